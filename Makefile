# Two commands for a newcomer:  make run  (set up and run everything)  and  make test.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY      := .venv/bin/python
RASA_PY := .venv-rasa/bin/python
export PYTHONPATH := $(CURDIR)
export TOKENIZERS_PARALLELISM := false

.PHONY: help setup envs model index train prepare run test test-rasa test-app lock benchmarks-doc

help:
	@echo "make run    set up both environments, the model, the index and the bot, then run all"
	@echo "make test   the same setup, then the whole test suite"
	@echo "make lock   regenerate requirements/*.lock after editing requirements/*.in"
	@echo "make benchmarks-doc  gather docs/benchmarks/*.md into docs/benchmarks.md"

envs:
	@scripts/setup_env.sh app
	@scripts/setup_env.sh rasa

setup: envs

model: envs
	@$(PY) -m indexer prepare-model

index: model
	@$(PY) -m indexer build $(if $(filter true,$(CI)),--no-progress,)

train: envs
	@scripts/train_bot.sh

prepare: model index train

run: prepare
	@$(PY) scripts/supervise.py $(SUPERVISE_ARGS)

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
