from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.calibration import Calibration, choose_threshold
from indexer.embedding import HashingEmbedder
from indexer.errors import IndexerError
from indexer.evaluate import (Outcome, Question, calibrate, load_questions, metrics, name_key,
                              names_to_ids, run)
from indexer.results import ProcedureHit, SearchResult
from indexer.search import Searcher

FIXTURES = Path(__file__).parent / "fixtures"
QUESTIONS = FIXTURES / "search_eval" / "questions.jsonl"


def _outcome(procedure: str | None, rank: int | None, abstain: bool, style: str) -> Outcome:
    hit = ProcedureHit("x", "X", None, 1.0, 0.9, "active")
    result = SearchResult("q", abstain, 0.9, None, [hit])
    return Outcome(Question("q", procedure, None, style), result, {"x"}, rank)


def test_metrics_follow_the_issue_definition() -> None:
    outcomes = [_outcome("A", 1, False, "plain"), _outcome("A", 2, False, "plain"),
                 _outcome("A", None, True, "teencode"), _outcome("A", 4, False, "teencode"),
                 _outcome(None, None, True, "oos"), _outcome(None, None, False, "oos")]
    m = metrics(outcomes)
    assert list(m) == ["n", "recall_at_1", "recall_at_3", "recall_at_5", "mrr", "oos_n",
                       "oos_abstain_rate", "inscope_abstain_rate", "by_style"]
    assert m["n"] == 4 and m["oos_n"] == 2
    assert m["recall_at_1"] == 0.25 and m["recall_at_3"] == 0.5 and m["recall_at_5"] == 0.75
    assert m["mrr"] == pytest.approx((1 + 0.5 + 0.25) / 4, abs=1e-4)
    assert m["oos_abstain_rate"] == 0.5 and m["inscope_abstain_rate"] == 0.25
    assert m["by_style"] == {"plain": {"n": 2, "recall_at_1": 0.5},
                             "teencode": {"n": 2, "recall_at_1": 0.0}}


def test_name_key_ignores_case_and_leading_thu_tuc() -> None:
    assert name_key("Thủ tục Đăng ký khai sinh") == name_key("đăng ký KHAI SINH")
    assert name_key("Đăng ký khai sinh") != name_key("Đăng ký khai tử")


def test_load_questions_rejects_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"q": "a", "procedure": null}\n{"procedure": "x"}\n', encoding="utf-8")
    with pytest.raises(IndexerError, match=":2:"):
        load_questions(path)
    assert load_questions(QUESTIONS)[5] == Question("giá vàng hôm nay bao nhiêu", None, None, "oos")


def test_choose_threshold_respects_the_inscope_limit() -> None:
    inscope = [0.9] * 19 + [0.2]
    oos = [0.1, 0.15, 0.3, 0.95]
    t = choose_threshold(inscope, oos, max_inscope_abstain=0.05)
    assert sum(c < t for c in inscope) / len(inscope) <= 0.05
    assert sum(c < t for c in oos) == 3  # 0.1, 0.15 and 0.3 are below, 0.95 cannot be


def test_calibration_confidence_is_monotonic_in_positive_weights() -> None:
    cal = Calibration(weights={"lex": 1.0}, mean={"lex": 0.5}, std={"lex": 0.1}, bias=0.0)
    assert cal.confidence({"lex": 0.3}) < cal.confidence({"lex": 0.5}) == 0.5
    assert cal.confidence({"lex": 0.7}) > 0.5


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    index = tmp_path_factory.mktemp("index")
    build_index(FIXTURES / "search_small", index, HashingEmbedder(64), progress=False)
    return Searcher.load(index, embedder=HashingEmbedder(64))


def test_run_on_the_fixture_catalogue(searcher: Searcher) -> None:
    questions = load_questions(QUESTIONS)
    searcher.set_calibration(Calibration(threshold=-1.0))  # never abstain
    m = metrics(run(lambda q: searcher.search(q), questions, names_to_ids(searcher.procedures)))
    assert m["n"] == 5 and m["oos_n"] == 3
    assert m["recall_at_1"] >= 0.8
    assert m["oos_abstain_rate"] == 0.0 and m["inscope_abstain_rate"] == 0.0


def test_calibrate_fits_and_keeps_inscope_abstention_within_the_limit(searcher: Searcher) -> None:
    questions = load_questions(QUESTIONS)
    cal = calibrate(searcher, questions, alphas=(0.3, 0.5), max_inscope_abstain=0.2,
                    fitted_on="fixture")
    assert cal.alpha in (0.3, 0.5) and cal.fitted_on == "fixture"
    assert searcher.calibration == cal
    m = metrics(run(lambda q: searcher.search(q), questions, names_to_ids(searcher.procedures)))
    assert m["inscope_abstain_rate"] <= 0.2
    assert m["oos_abstain_rate"] >= 2 / 3
    json.dumps(cal.to_dict())  # serialisable for the calibration file
