"""The retrieval question sets (benchmarks/data) and the FAQ/glossary they are scored against.

The dev set calibrates abstention; the fresh set is held out. Both must stay well-formed,
disjoint, independent of the catalogue's own example questions, and every labelled procedure
must resolve to a catalogue name or alias, which is how ``python -m indexer eval`` scores a hit.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from indexer.catalog.schema import FaqEntry, Glossary

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "benchmarks" / "data"
KNOWLEDGE = REPO / "knowledge"

STYLES = {"diacritics", "no_diacritics", "teencode", "typo"}
ASPECTS = {"overview", "documents", "time", "fee", "place", "steps", "online", "conditions",
           "legal_basis", "result"}
FIELDS = {"q", "procedure", "aspect", "style"}
# (file, questions, out of scope, distinct procedures, per-style minimum)
MINIMUMS = {
    "dev_questions.jsonl": (300, 45, 60, 50),
    "fresh_questions.jsonl": (150, 25, 40, 10),
}
MIN_CATALOGUE_FOR_RESOLUTION = 100
PREFIX = "thủ tục "


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"[^\w\s]|_", " ", text)
    return " ".join(text.split())


def fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if unicodedata.category(c) != "Mn")


def name_key(name: str) -> str:
    key = unicodedata.normalize("NFC", name).strip().lower()
    return key[len(PREFIX):] if key.startswith(PREFIX) else key


def read_questions(name: str) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate((DATA / name).read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"{name}:{number}: blank line"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            pytest.fail(f"{name}:{number}: not JSON: {exc}")
        assert isinstance(row, dict), f"{name}:{number}: not an object"
        row["_line"] = number
        rows.append(row)
    return rows


@lru_cache(maxsize=1)
def procedure_files() -> tuple[dict[str, Any], ...]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return tuple(yaml.load(p.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (safe)
                 for p in sorted((KNOWLEDGE / "procedures").glob("*.yaml")))


@pytest.fixture(scope="module", params=sorted(MINIMUMS))
def question_set(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return request.param, read_questions(request.param)


def test_every_line_has_valid_fields(question_set: tuple[str, list[dict[str, Any]]]) -> None:
    name, rows = question_set
    for row in rows:
        where = f"{name}:{row['_line']}"
        keys = set(row) - {"_line"}
        assert keys <= FIELDS, f"{where}: unknown fields {keys - FIELDS}"
        assert {"q", "procedure", "style"} <= keys, f"{where}: missing fields"
        assert isinstance(row["q"], str) and len(row["q"].strip()) >= 5, f"{where}: q"
        assert row["q"] == unicodedata.normalize("NFC", row["q"]), f"{where}: q is not NFC"
        assert row["procedure"] is None or (
            isinstance(row["procedure"], str) and row["procedure"].strip()), f"{where}: procedure"
        assert row["style"] in STYLES, f"{where}: style {row['style']!r}"
        if "aspect" in row:
            assert row["aspect"] in ASPECTS, f"{where}: aspect {row['aspect']!r}"


def test_style_labels_match_the_text(question_set: tuple[str, list[dict[str, Any]]]) -> None:
    name, rows = question_set
    for row in rows:
        where = f"{name}:{row['_line']}: {row['q']!r}"
        if row["style"] == "no_diacritics":
            assert row["q"].isascii(), f"{where} is labelled no_diacritics but has accents"
        if row["style"] == "diacritics":
            assert fold(row["q"]) != row["q"], f"{where} is labelled diacritics but has none"


def test_counts_meet_the_minimums(question_set: tuple[str, list[dict[str, Any]]]) -> None:
    name, rows = question_set
    total, oos, procedures, per_style = MINIMUMS[name]
    assert len(rows) >= total
    assert sum(r["procedure"] is None for r in rows) >= oos
    assert len({r["procedure"] for r in rows if r["procedure"]}) >= procedures
    styles = Counter(r["style"] for r in rows)
    assert set(styles) == STYLES, f"{name}: styles present {sorted(styles)}"
    for style in STYLES:
        assert styles[style] >= per_style, f"{name}: only {styles[style]} {style} questions"
    in_scope_styles = Counter(r["style"] for r in rows if r["procedure"])
    assert set(in_scope_styles) == STYLES, f"{name}: in-scope questions miss a style"


def test_no_duplicates_within_a_set(question_set: tuple[str, list[dict[str, Any]]]) -> None:
    name, rows = question_set
    seen = Counter(normalise(r["q"]) for r in rows)
    assert [q for q, n in seen.items() if n > 1] == [], name


def test_dev_and_fresh_do_not_overlap() -> None:
    dev = {normalise(r["q"]) for r in read_questions("dev_questions.jsonl")}
    fresh = {normalise(r["q"]) for r in read_questions("fresh_questions.jsonl")}
    assert sorted(dev & fresh) == []


def test_questions_are_not_copied_from_example_questions(
        question_set: tuple[str, list[dict[str, Any]]]) -> None:
    name, rows = question_set
    examples = {normalise(q) for p in procedure_files() for q in p.get("example_questions") or []}
    copied = [r["q"] for r in rows if normalise(r["q"]) in examples]
    assert copied == [], f"{name}: questions equal to a catalogue example question"


def test_every_procedure_resolves_to_a_catalogue_name_or_alias(
        question_set: tuple[str, list[dict[str, Any]]]) -> None:
    name, rows = question_set
    procedures = procedure_files()
    if len(procedures) < MIN_CATALOGUE_FOR_RESOLUTION:
        pytest.skip(f"catalogue has {len(procedures)} procedures; resolution is checked from "
                    f"{MIN_CATALOGUE_FOR_RESOLUTION}")
    known = {name_key(n) for p in procedures for n in [p["name"], *(p.get("aliases") or [])]}
    missing = sorted({r["procedure"] for r in rows
                      if r["procedure"] and name_key(r["procedure"]) not in known})
    assert missing == [], f"{name}: procedures not in knowledge/procedures"


def test_name_key_ignores_case_and_the_thu_tuc_prefix() -> None:
    assert name_key("Thủ tục Đăng ký khai sinh") == name_key("đăng ký khai sinh")
    assert name_key("Đăng ký khai tử") != name_key("Đăng ký khai sinh")


# --- FAQ and glossary -----------------------------------------------------------------------

MIN_FAQ = 64
MIN_GLOSSARY = 60
REQUIRED_TERMS = ["CCCD", "CMND", "GCNQSDĐ", "sổ đỏ", "sổ hồng", "hộ khẩu", "KT3", "BHYT", "BHXH",
                  "GPLX", "bằng lái", "ĐKKD", "UBND", "TTHC", "DVC", "PAKN", "giấy báo tử",
                  "giấy xác nhận độc thân", "VNeID", "BCCI", "LLTP", "GPXD", "HKD", "CTCP", "TNHH"]
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
PHONE_LIKE = re.compile(r"\d(?:[ .]?\d){6,}")  # 7+ digits, maybe grouped
WITH_SLASH = re.compile(r"\S*/\S*")  # dates and legal numbers: 01/7/2025, 23/2015/NĐ-CP


def load_faqs() -> list[tuple[Path, FaqEntry]]:
    return [(p, FaqEntry.model_validate(yaml.safe_load(p.read_text(encoding="utf-8"))))
            for p in sorted((KNOWLEDGE / "faq").glob("*.yaml"))]


def test_faq_entries_load_and_meet_the_count() -> None:
    faqs = load_faqs()
    assert len(faqs) >= MIN_FAQ
    ids = [entry.id for _, entry in faqs]
    assert len(ids) == len(set(ids))
    for path, entry in faqs:
        assert path.stem == entry.id, f"{path.name}: id {entry.id!r} differs from the file name"


def test_faq_answers_follow_the_house_style() -> None:
    for path, entry in load_faqs():
        sentences = [s for s in SENTENCE_END.split(entry.answer.strip()) if s]
        assert 2 <= len(sentences) <= 5, f"{path.name}: {len(sentences)} sentences"
        assert "Anh/Chị" in entry.answer, f"{path.name}: answer does not address Anh/Chị"
        assert fold(entry.answer) != entry.answer, f"{path.name}: answer has no diacritics"
        assert 2 <= len(entry.alt_questions) <= 4, f"{path.name}: alt_questions"
        assert any(q.isascii() for q in entry.alt_questions), (
            f"{path.name}: no alt question without diacritics")
        # never an invented phone number: the only number to call is the 1022 short code
        assert not PHONE_LIKE.findall(WITH_SLASH.sub(" ", entry.answer)), path.name


def test_faq_related_procedures_exist() -> None:
    ids = {p["id"] for p in procedure_files()}
    for path, entry in load_faqs():
        assert set(entry.related_procedures) <= ids, f"{path.name}: unknown procedure id"


def test_glossary_loads_and_covers_the_required_terms() -> None:
    glossary = Glossary.model_validate(
        yaml.safe_load((KNOWLEDGE / "glossary.yaml").read_text(encoding="utf-8")))
    assert len(glossary.entries) >= MIN_GLOSSARY
    terms = {e.term.lower() for e in glossary.entries}
    assert [t for t in REQUIRED_TERMS if t.lower() not in terms] == []
    assert len(terms) == len(glossary.entries), "a term is listed twice (case is ignored)"
    canonical_by_folded: dict[str, set[str]] = {}
    for entry in glossary.entries:
        canonical_by_folded.setdefault(fold(normalise(entry.term)), set()).add(entry.canonical)
    ambiguous = {t: c for t, c in canonical_by_folded.items() if len(c) > 1}
    assert ambiguous == {}, "the same folded term maps to different canonical terms"
