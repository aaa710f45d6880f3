from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from indexer import store
from indexer.cli import main

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture()
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(FIXTURES / "search_small", knowledge)
    return knowledge, tmp_path / "index"


def _build(knowledge: Path, index: Path, *extra: str) -> int:
    return main(["build", "--knowledge", str(knowledge), "--index", str(index), "--model",
                 "fake:64", "--no-progress", *extra])


def test_build_then_noop_then_change_report(dirs: tuple[Path, Path],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    knowledge, index = dirs
    assert _build(knowledge, index) == 0
    out = capsys.readouterr().out
    assert "published index" in out and "added: 6" in out and "abolished: 1" in out
    assert _build(knowledge, index) == 0
    assert "up to date" in capsys.readouterr().out
    (knowledge / "procedures" / "dang-ky-khai-tu.yaml").unlink()
    assert _build(knowledge, index) == 0
    out = capsys.readouterr().out
    assert "removed: 1 (dang-ky-khai-tu)" in out and "added: 0" in out


def test_search_prints_procedures_scores_and_passages(dirs: tuple[Path, Path],
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    knowledge, index = dirs
    _build(knowledge, index)
    capsys.readouterr()
    args = ["--index", str(index), "--model", "fake:64"]
    assert main(["search", "lam giay khai sinh can gi", *args]) == 0
    out = capsys.readouterr().out
    first = next(line for line in out.splitlines() if line.startswith("1. "))
    assert "Đăng ký khai sinh" in first and "score=" in first
    assert "documents:" in out
    assert main(["search", "giá vàng hôm nay", *args]) == 0
    assert "ABSTAIN" in capsys.readouterr().out
    assert main(["search", "thẻ thư viện giấy", "--json", *args]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"abstain", "confidence", "aspect", "hits", "faqs"} <= set(data)


def test_eval_json_prints_exactly_the_issue_object(dirs: tuple[Path, Path],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    knowledge, index = dirs
    _build(knowledge, index)
    capsys.readouterr()
    assert main(["eval", "--questions", str(FIXTURES / "search_eval" / "questions.jsonl"),
                 "--index", str(index), "--model", "fake:64", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"n", "recall_at_1", "recall_at_3", "recall_at_5", "mrr", "oos_n",
                         "oos_abstain_rate", "inscope_abstain_rate", "by_style"}
    assert data["n"] == 5 and data["oos_n"] == 3
    assert all(0.0 <= data[k] <= 1.0 for k in ("recall_at_1", "mrr", "oos_abstain_rate"))


def test_eval_calibrate_writes_the_calibration_used_by_the_next_build(
        dirs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    knowledge, index = dirs
    calibration = tmp_path / "calibration.json"
    monkeypatch.setenv("INDEXER_CALIBRATION_FILE", str(calibration))
    _build(knowledge, index)
    assert main(["eval", "--calibrate", "--questions",
                 str(FIXTURES / "search_eval" / "questions.jsonl"), "--index", str(index),
                 "--model", "fake:64", "--format", "json"]) == 0
    saved = json.loads(calibration.read_text(encoding="utf-8"))["models"]["fake:64"]
    assert saved["fitted_on"].endswith("questions.jsonl")
    capsys.readouterr()
    _build(knowledge, index)  # calibration changed: not a no-op
    assert "published index" in capsys.readouterr().out
    assert store.current_manifest(index)["calibration"] == saved


def test_rollback_and_info(dirs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    knowledge, index = dirs
    _build(knowledge, index)
    first = store.current_version(index)
    _build(knowledge, index, "--force")
    second = store.current_version(index)
    assert first != second
    assert main(["rollback", "--index", str(index)]) == 0
    assert store.current_version(index) == first
    capsys.readouterr()
    assert main(["info", "--index", str(index)]) == 0
    out = capsys.readouterr().out
    assert first in out and "fake:64" in out


def test_search_without_an_index_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["search", "khai sinh", "--index", str(tmp_path / "none"), "--model", "fake:64"])
    assert exc.value.code == 2
