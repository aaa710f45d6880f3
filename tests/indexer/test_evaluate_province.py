"""Code labels, per-style metrics and the province question sets (issue 12)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from indexer.evaluate import (Outcome, Question, codes_to_ids, expected_ids, load_questions,
                              metrics, names_to_ids, run, style_metrics)
from indexer.results import ProcedureHit, SearchResult
from indexer.text import is_plain, normalize

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data"
SETS = {name: DATA / f"province_{name}.jsonl" for name in ("citizen", "official", "oos", "dev")}
PROVINCE_LIST = ROOT.parent / "shared" / "data" / "province-lists" / "DVC_TTHC_LangSon_1842.xlsx"


@dataclass
class _Proc:
    name: str
    code: str | None
    aliases: list[str] = field(default_factory=list)

    def all_names(self) -> list[str]:
        return [self.name, *self.aliases]


CATALOGUE = {
    "dang-ky-khai-sinh": _Proc("Đăng ký khai sinh", "1.001193", ["làm giấy khai sinh"]),
    "tthc-1-001193": _Proc("Đăng ký khai sinh (bản nhập)", "1.001193"),
    "tthc-9-000001": _Proc("Đăng ký khai sinh", "9.000001"),  # same name, other level
    "tthc-1-003583": _Proc("Đăng ký khai sinh lưu động", "1.003583"),
}


def _search_returning(*ids: str, abstain: bool = False):
    def search(q: str) -> SearchResult:
        hits = [ProcedureHit(i, CATALOGUE[i].name, CATALOGUE[i].code, 1.0, 0.9, "active")
                for i in ids]
        return SearchResult(q, abstain, 0.9, None, hits)
    return search


def test_a_code_label_hits_its_code_and_the_same_name_only() -> None:
    names, codes = names_to_ids(CATALOGUE), codes_to_ids(CATALOGUE)
    q = Question("làm khai sinh", "Đăng ký khai sinh", None, "citizen", "1.001193")
    assert expected_ids(q, names, codes) == {"dang-ky-khai-sinh", "tthc-1-001193",
                                             "tthc-9-000001"}
    assert run(_search_returning("tthc-1-001193"), [q], names, codes)[0].rank == 1
    assert run(_search_returning("tthc-1-003583", "tthc-9-000001"), [q], names, codes)[0].rank == 2
    # a code alone is enough; the neighbour with another code and name is a miss
    only_code = Question("x", None, None, "official", "1.001193")
    assert only_code.in_scope
    assert run(_search_returning("tthc-1-003583"), [only_code], names, codes)[0].rank is None
    assert run(_search_returning("tthc-1-001193"), [only_code], names, codes)[0].rank == 1


def test_load_questions_reads_codes(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"q": "a", "code": "1.000001", "procedure": null, "style": "official"}\n'
                    '{"q": "b", "procedure": null, "style": "oos_chat"}\n', encoding="utf-8")
    a, b = load_questions(path)
    assert a.code == "1.000001" and a.in_scope and not b.in_scope and b.code is None


def _outcome(style: str, in_scope: bool, rank: int | None, abstain: bool) -> Outcome:
    hit = ProcedureHit("x", "X", None, 1.0, 0.9, "active")
    q = Question("q", "X" if in_scope else None, None, style)
    return Outcome(q, SearchResult("q", abstain, 0.9, None, [hit]), {"x"}, rank)


def test_style_metrics_report_recall_and_abstention_per_style() -> None:
    outcomes = [_outcome("citizen_diacritics", True, 1, False),
                _outcome("citizen_diacritics", True, None, True),
                _outcome("official", True, 2, False),
                _outcome("oos_chat", False, None, True),
                _outcome("oos_chat", False, None, False),
                _outcome("oos_chat", False, None, True)]
    s = style_metrics(outcomes)
    assert s["citizen_diacritics"] == {"n": 2, "in_scope": True, "abstain_rate": 0.5,
                                       "recall_at_1": 0.5, "recall_at_3": 0.5, "mrr": 0.5}
    assert s["official"]["recall_at_1"] == 0.0 and s["official"]["recall_at_3"] == 1.0
    assert s["oos_chat"] == {"n": 3, "in_scope": False, "abstain_rate": 0.6667}
    m = metrics(outcomes)  # the overall metrics keep their meaning
    assert m["n"] == 3 and m["oos_n"] == 3 and m["inscope_abstain_rate"] == 0.3333


# -- the province question sets --------------------------------------------------------------

def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in SETS[name].read_text(encoding="utf-8").splitlines()
            if line.strip()]


def test_province_sets_have_the_promised_composition() -> None:
    citizen, official, oos = _rows("citizen"), _rows("official"), _rows("oos")
    assert len(citizen) >= 150 and len(official) >= 100 and len(oos) >= 80
    plain = [r for r in citizen if r["style"] == "citizen_no_diacritics"]
    assert len(plain) >= 0.45 * len(citizen)
    for r in citizen:  # the style says what the text is
        assert is_plain(r["q"]) == (r["style"] == "citizen_no_diacritics"), r["q"]
    assert {r["style"] for r in official} == {"official"}
    assert {r["style"] for r in oos} == {"oos_not_served", "oos_chat"}
    for r in citizen + official:
        assert r["procedure"] and (r["code"] is None or re.fullmatch(r"\d\.\d{6}", r["code"]))
    assert all(r["code"] is None and r["procedure"] is None for r in oos)
    questions = [normalize(r["q"]) for r in citizen + official + oos]
    assert len(questions) == len(set(questions)), "duplicate question"
    codes = {r["code"] for r in citizen + official if r["code"]}
    assert len(codes) >= 150  # spread over many procedures, not a few


def test_the_dev_split_is_disjoint_from_the_reported_sets() -> None:
    reported = {normalize(r["q"]) for name in ("citizen", "official", "oos") for r in _rows(name)}
    dev = _rows("dev")
    assert len(dev) >= 80 and any(r["code"] is None for r in dev)
    assert not [r["q"] for r in dev if normalize(r["q"]) in reported]


def test_province_questions_are_not_catalogue_examples() -> None:
    import yaml

    examples = set()
    for path in (ROOT / "knowledge" / "procedures").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        examples |= {normalize(q) for q in data.get("example_questions") or []}
    rows = _rows("citizen") + _rows("official") + _rows("oos") + _rows("dev")
    assert not [r["q"] for r in rows if normalize(r["q"]) in examples]


@pytest.mark.skipif(not PROVINCE_LIST.exists(), reason="needs ../shared/data (the province list)")
def test_province_labels_are_listed_or_curated_codes() -> None:
    import openpyxl
    import yaml

    listed = set()
    sheet = openpyxl.load_workbook(PROVINCE_LIST, read_only=True).active
    for row in sheet.iter_rows(values_only=True):
        if row[1] is not None and re.match(r"\d\.\d{6}", str(row[1]).strip()):
            listed.add(str(row[1]).strip()[:8])
    curated_codes, curated_names = set(), set()
    for path in (ROOT / "knowledge" / "procedures").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        curated_names.add(data["name"])
        if data.get("code"):
            curated_codes.add(str(data["code"]))
    for r in _rows("citizen") + _rows("official") + [r for r in _rows("dev") if r["procedure"]]:
        if r["code"] is None:
            assert r["procedure"] in curated_names, r
        elif r.get("listed_as"):  # a listed code the profile maps to its post-reform record
            assert r["listed_as"] in listed and r["code"] not in listed, r
        else:
            assert r["code"] in listed | curated_codes, r
