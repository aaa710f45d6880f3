"""The real bundled model and the committed catalogue, end to end (``-m integration``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer import store
from indexer.build import build_index
from indexer.cli import main
from indexer.embedding import load_embedder
from indexer.search import Searcher
from indexer.settings import IndexerSettings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def settings(bundled_model: Path, tmp_path_factory: pytest.TempPathFactory) -> IndexerSettings:
    base = IndexerSettings()
    index = tmp_path_factory.mktemp("index") / "index"
    if store.current_version(base.index_dir):  # start from var/index to reuse its embeddings
        shutil.copytree(base.index_dir, index)
    settings = IndexerSettings(index_dir=index)
    embedder = load_embedder(settings.model_dir, batch_size=settings.batch_size)
    build_index(settings.knowledge_dir, index, embedder, progress=False,
                calibration_file=settings.calibration_file)
    return settings


def test_unaccented_birth_registration_question_ranks_khai_sinh_first(
        settings: IndexerSettings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "lam giay khai sinh can gi", "--index", str(settings.index_dir)]) == 0
    out = capsys.readouterr().out
    first = next(line for line in out.splitlines() if line.startswith("1. "))
    assert "Đăng ký khai sinh " in first
    assert "ABSTAIN" not in out


def test_gold_price_question_abstains(settings: IndexerSettings,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "giá vàng hôm nay", "--index", str(settings.index_dir)]) == 0
    assert "ABSTAIN" in capsys.readouterr().out


def test_index_is_calibrated_for_the_model(settings: IndexerSettings) -> None:
    searcher = Searcher.load(settings.index_dir, settings=settings)
    assert searcher.manifest["calibration"] is not None, "run eval --calibrate and commit it"
    result = searcher.search("Đăng ký khai sinh cho con cần giấy tờ gì?")
    assert result.hits[0].procedure_id == "dang-ky-khai-sinh"
    assert result.aspect == "documents" and "documents" in result.hits[0].passages
