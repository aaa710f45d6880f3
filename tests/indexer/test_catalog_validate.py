"""``python -m indexer validate``: every broken fixture fails with a precise file: field: message."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from indexer.catalog.validate import has_diacritics, validate_catalog
from indexer.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "catalog" / "valid"
A = "procedures/thu-tuc-thu-nghiem-a.yaml"
B = "procedures/thu-tuc-thu-nghiem-b.yaml"


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(FIXTURE, root)
    return root


def edit(root: Path, rel: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = root / rel
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def problems(root: Path) -> list[str]:
    report = validate_catalog(root, required=root / "required.txt", display_base=root)
    return [str(p) for p in report.problems]


def test_valid_fixture_passes(catalog: Path) -> None:
    report = validate_catalog(catalog, required=catalog / "required.txt", display_base=catalog)
    assert report.problems == []
    assert (report.procedures, report.faqs, report.glossary_terms) == (2, 1, 2)
    assert report.required_names == 3


def _set(*keys: Any, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target = data
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return change


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda data: data.pop(key)


CASES = [
    pytest.param(B, _set("code", value="9.999991"),
                 f"{B}: code: duplicate code '9.999991' (also in {A})", id="duplicate-code"),
    pytest.param(A, _set("channels", 0, "time", "unit", value="tuần"),
                 f"{A}: channels.0.time.unit: Input should be 'ngày làm việc', 'ngày', 'giờ', "
                 "'trong ngày' or 'tháng'", id="bad-time-unit"),
    pytest.param(A, _set("channels", 0, "time", value={"unit": "ngày"}),
                 f"{A}: channels.0.time: unit 'ngày' needs a positive value", id="time-no-value"),
    pytest.param(A, _set("channels", 1, "fee", value={"exemptions": "người nghèo"}),
                 f"{A}: channels.1.fee: a fee needs free, amount_vnd or text",
                 id="fee-without-amount"),
    pytest.param(A, _set("channels", 1, "fee", "amount_vnd", value="năm mươi nghìn"),
                 f"{A}: channels.1.fee.amount_vnd: Input should be a valid integer, unable to "
                 "parse string as an integer", id="fee-not-a-number"),
    pytest.param(B, _set("status", "effective_date", value=None),
                 f"{B}: status: an abolished procedure needs effective_date",
                 id="abolished-without-date"),
    pytest.param(B, _set("status", "replaced_by", value=["khong-co-thu-tuc-nay"]),
                 f"{B}: status.replaced_by.0: unknown procedure id 'khong-co-thu-tuc-nay'",
                 id="replaced-by-unknown"),
    pytest.param(A, _drop("source"), f"{A}: source: Field required", id="missing-source"),
    pytest.param(A, _drop("levels"), f"{A}: levels: Field required", id="missing-levels"),
    pytest.param(A, _set("example_questions", value=["Một?", "Hai?", "Ba?", "Bốn?"]),
                 f"{A}: example_questions: List should have at least 5 items after validation, "
                 "not 4", id="too-few-questions"),
    pytest.param(A, _set("example_questions", 4, value="Làm thử loại A cần gì?"),
                 f"{A}: example_questions: needs at least one question without diacritics",
                 id="all-questions-accented"),
    pytest.param(A, _set("code", value="1001193"),
                 f"{A}: code: code must look like 1.001193 (or be null when not verified)",
                 id="malformed-code"),
    pytest.param("faq/hoi-thu-nghiem.yaml", _set("related_procedures", value=["khong-co"]),
                 "faq/hoi-thu-nghiem.yaml: related_procedures.0: unknown procedure id 'khong-co'",
                 id="faq-related-unknown"),
    pytest.param("glossary.yaml", lambda d: d["entries"].append({"term": "tn", "canonical": "x"}),
                 "glossary.yaml: entries.2.term: duplicate term 'tn' (first at entries.0 'TN'; "
                 "case is ignored)",
                 id="glossary-duplicate-term"),
]


@pytest.mark.parametrize(("rel", "change", "expected"), CASES)
def test_broken_fixture_reports_precise_problem(
    catalog: Path, rel: str, change: Callable[[dict[str, Any]], None], expected: str
) -> None:
    edit(catalog, rel, change)
    assert problems(catalog) == [expected]


def test_every_problem_in_a_file_is_reported(catalog: Path) -> None:
    def break_twice(data: dict[str, Any]) -> None:
        data["channels"][0]["time"]["unit"] = "tuần"
        del data["agency"]
    edit(catalog, A, break_twice)
    found = problems(catalog)
    assert f"{A}: agency: Field required" in found
    assert any(p.startswith(f"{A}: channels.0.time.unit: ") for p in found)


def test_required_name_missing(catalog: Path) -> None:
    edit(catalog, A, _set("aliases", value=[]))
    assert problems(catalog) == [
        "required.txt: line.3: required name 'làm thử loại A' is not the name or an alias "
        "of any procedure"
    ]


def test_required_name_must_match_exactly(catalog: Path) -> None:
    (catalog / "required.txt").write_text("đăng ký thử nghiệm loại a\n", encoding="utf-8")
    assert problems(catalog) == [
        "required.txt: line.1: required name 'đăng ký thử nghiệm loại a' is not the name or an "
        "alias of any procedure"
    ]


def test_bad_yaml(catalog: Path) -> None:
    (catalog / A).write_text("id: thu-tuc-thu-nghiem-a\nname: [unclosed\n", encoding="utf-8")
    found = problems(catalog)
    assert found[0].startswith(f"{A}: -: invalid YAML at line 3, column 1: ")
    # the names only this file provided no longer resolve; nothing else is reported
    assert [p.split(": ")[:2] for p in found[1:]] == [
        ["required.txt", "line.2"], ["required.txt", "line.3"]
    ]


def test_stem_differs_from_id(catalog: Path) -> None:
    (catalog / A).rename(catalog / "procedures" / "ten-khac.yaml")
    assert problems(catalog) == [
        "procedures/ten-khac.yaml: id: id 'thu-tuc-thu-nghiem-a' differs from the file name "
        "'ten-khac'"
    ]


def test_duplicate_id(catalog: Path) -> None:
    shutil.copy(catalog / B, catalog / "procedures" / "ban-sao.yaml")
    edit(catalog, "procedures/ban-sao.yaml", _set("code", value=None))
    assert problems(catalog) == [
        "procedures/ban-sao.yaml: id: id 'thu-tuc-thu-nghiem-b' differs from the file name "
        "'ban-sao'",
        f"{B}: id: duplicate id 'thu-tuc-thu-nghiem-b' (also in procedures/ban-sao.yaml)",
    ]


def test_top_level_not_a_mapping(catalog: Path) -> None:
    (catalog / B).write_text("- just\n- a list\n", encoding="utf-8")
    found = problems(catalog)
    assert f"{B}: -: expected a mapping at the top level, got list" in found


def test_yml_extension_is_reported(catalog: Path) -> None:
    (catalog / "procedures" / "lac-loai.yml").write_text("id: lac-loai\n", encoding="utf-8")
    assert problems(catalog) == [
        "procedures/lac-loai.yml: -: catalogue files must end in .yaml (this file is ignored)"
    ]


def test_cli_exit_codes(catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["validate", "--knowledge", str(catalog), "--required", str(catalog / "required.txt")]
    assert main(args) == 0
    assert capsys.readouterr().out.startswith("catalogue OK: 2 procedures")
    edit(catalog, B, _set("status", "effective_date", value=None))
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "thu-tuc-thu-nghiem-b.yaml: status: an abolished procedure needs effective_date" in out


@pytest.mark.parametrize(("text", "expected"), [
    ("lam giay khai sinh can gi", False), ("Làm giấy khai sinh", True), ("dang ky đat", True),
])
def test_has_diacritics(text: str, expected: bool) -> None:
    assert has_diacritics(text) is expected
