"""Fixtures for the bot tests: a trained model that is not older than its sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from rasa_cli import MODEL, model_is_fresh, run_rasa


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bot/models/bot.tar.gz if it is newer than config, domain, data and tokenizer;
    otherwise a model trained now into a temporary directory (about 2 minutes on 2 cores)."""
    pytest.importorskip("rasa", reason="needs the Rasa 3.6 environment")
    if model_is_fresh(MODEL):
        return MODEL
    out = tmp_path_factory.mktemp("bot-model")
    result = run_rasa(["train", "--config", "config.yml", "--domain", "bot/domain.yml",
                       "--data", "bot/data", "--out", str(out), "--fixed-model-name", "bot"])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out / "bot.tar.gz"
