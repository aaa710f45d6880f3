# Two commands for a newcomer:  make run  (set up and run everything)  and  make test.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY      := .venv/bin/python
RASA_PY := .venv-rasa/bin/python
export PYTHONPATH := $(CURDIR)
export TOKENIZERS_PARALLELISM := false

# `make run PROFILE=langson` serves a province's whole catalogue instead of the curated
# knowledge/: its procedure list, filled from the portal records in SHARED_DATA, curated records
# winning (python -m indexer profile). Catalogue in var/profiles/NAME, index in var/index-NAME.
PROFILE ?=
SHARED_DATA ?= $(abspath $(CURDIR)/../shared/data)
PROFILE_LIST_langson := province-lists/DVC_TTHC_LangSon_1842.xlsx
ifneq ($(PROFILE),)
ifeq ($(PROFILE_LIST_$(PROFILE)),)
$(error unknown PROFILE '$(PROFILE)'; known: langson)
endif
export INDEXER_KNOWLEDGE_DIR := $(CURDIR)/var/profiles/$(PROFILE)
export INDEXER_INDEX_DIR := $(CURDIR)/var/index-$(PROFILE)
export API_INDEX_DIR := $(INDEXER_INDEX_DIR)
endif

.PHONY: help setup envs model profile index train prepare run run-production test test-rasa test-app lock benchmarks-doc

help:
	@echo "make run    set up both environments, the model, the index and the bot, then run all"
	@echo "            (PROFILE=langson: a province's whole catalogue from ../shared/data)"
	@echo "make test   the same setup, then the whole test suite"
	@echo "make lock   regenerate requirements/*.lock after editing requirements/*.in"
	@echo "make benchmarks-doc  gather docs/benchmarks/*.md into docs/benchmarks.md"

envs:
	@scripts/setup_env.sh app
	@scripts/setup_env.sh rasa

setup: envs

model: envs
	@$(PY) -m indexer prepare-model

# Only with PROFILE: the province's catalogue (about a minute; rewritten files are only those
# that changed, so the next build re-encodes only what changed).
profile: envs
ifneq ($(PROFILE),)
	@test -d "$(SHARED_DATA)" || { echo "PROFILE=$(PROFILE) needs the portal records in $(SHARED_DATA) (set SHARED_DATA=...)"; exit 2; }
	@$(PY) -m indexer profile --name $(PROFILE) --list "$(SHARED_DATA)/$(PROFILE_LIST_$(PROFILE))" \
		--portal "$(SHARED_DATA)/dvc-json" "$(SHARED_DATA)/dvc-docx" "$(SHARED_DATA)/dvc-bqp" \
		--curated knowledge --out "$(INDEXER_KNOWLEDGE_DIR)" $(if $(filter true,$(CI)),--no-progress,)
	@$(PY) -m indexer validate --knowledge "$(INDEXER_KNOWLEDGE_DIR)"
endif

index: model profile
	@$(PY) -m indexer build $(if $(filter true,$(CI)),--no-progress,)

train: envs
	@scripts/train_bot.sh

prepare: model index train

run: prepare
	@echo "Agent console: http://127.0.0.1:$${API_PORT:-8000}/console (first agent: .venv/bin/python -m api agents add LOGIN --role supervisor)"
	@$(PY) -m api demo-traffic --if-empty  # synthetic [demo] rows, only into an empty database
	@$(PY) scripts/supervise.py $(SUPERVISE_ARGS)

# Several API and Rasa workers on PostgreSQL and Redis (Procfile.production); the settings it
# needs are listed in README, "Running in production".
run-production: prepare
	@$(PY) scripts/supervise.py --procfile Procfile.production $(SUPERVISE_ARGS)

test: prepare
	@scripts/ensure_chromium.sh
	@if [ "$${CI:-}" = "true" ]; then scripts/check_services.sh; fi
	@$(MAKE) --no-print-directory test-rasa
	@$(MAKE) --no-print-directory test-app

# Python 3.10: the tokenizer, the actions, NLU quality, rasa data validate and the
# conversation tests.
test-rasa:
	@$(RASA_PY) -m pytest -p no:cacheprovider tests/bot tests/actions

# Python 3.11: everything else, including the integration tests that start real servers.
test-app:
	@$(PY) -m pytest -p no:cacheprovider tests --ignore=tests/bot --ignore=tests/actions

lock:
	@scripts/lock.sh

# Collect the per-area results in docs/benchmarks/*.md into docs/benchmarks.md.
benchmarks-doc:
	@$(PY) scripts/collect_benchmarks.py
