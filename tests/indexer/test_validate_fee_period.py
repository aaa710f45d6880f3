"""``validate`` warns a maintainer ahead of a temporary fee's end date and flags an expired one;
a warning fails only with ``--strict``. The date is always given (never the real date)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from indexer.catalog.expiry import stated_end
from indexer.catalog.validate import validate_catalog
from indexer.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "catalog" / "valid"
A = "procedures/thu-tuc-thu-nghiem-a.yaml"


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    """The valid fixture with a temporary 50.000 đồng online rate ending 31/12/2026."""
    root = tmp_path / "knowledge"
    shutil.copytree(FIXTURE, root)
    path = root / A
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["channels"][1]["fee"].update(valid_from="2025-07-01", valid_until="2026-12-31",
                                      standard_amount_vnd=100000)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return root


def warnings(root: Path, today: date, warn_days: int = 60) -> list[str]:
    report = validate_catalog(root, required=root / "required.txt", display_base=root,
                              today=today, warn_days=warn_days)
    assert report.problems == []  # a warning never makes the catalogue invalid
    return [str(w) for w in report.warnings]


def test_no_warning_long_before_the_end(catalog: Path) -> None:
    assert warnings(catalog, date(2026, 10, 1)) == []


def test_warns_within_warn_days(catalog: Path) -> None:
    assert warnings(catalog, date(2026, 11, 1)) == [
        f"{A}: channels.1.fee.valid_until: the temporary rate 50,000 VND ends on 2026-12-31 "
        "(in 60 days); after that answers give the standard rate the record states. Check the "
        "rate that follows"]
    assert warnings(catalog, date(2026, 11, 1), warn_days=59) == []
    assert len(warnings(catalog, date(2026, 12, 31))) == 1  # the last day still applies


def test_flags_an_expired_rate(catalog: Path) -> None:
    found = warnings(catalog, date(2027, 1, 1))
    assert len(found) == 1 and "EXPIRED" in found[0]
    assert "ended on 2026-12-31 (1 days ago)" in found[0]


def test_expired_rate_without_standard_says_so(catalog: Path) -> None:
    path = catalog / A
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["channels"][1]["fee"]["standard_amount_vnd"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (found,) = warnings(catalog, date(2027, 3, 1))
    assert "EXPIRED" in found and "no standard amount" in found


def test_cli_warns_and_fails_only_when_strict(catalog: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    args = ["validate", "--knowledge", str(catalog), "--required", str(catalog / "required.txt"),
            "--today", "2026-12-20"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "warning: " in out and "(in 11 days)" in out
    assert out.rstrip().endswith("1 warning(s)")
    assert main([*args, "--strict"]) == 1
    capsys.readouterr()
    assert main([*args, "--warn-days", "5", "--strict"]) == 0
    assert "warning" not in capsys.readouterr().out
    assert main([*args[:-1], "2027-01-05", "--strict"]) == 1
    assert "EXPIRED" in capsys.readouterr().out


def test_period_stated_only_in_the_text_is_flagged(catalog: Path) -> None:
    """An imported fee text like "Mức phí kể từ ngày 01/7/2025 đến hết ngày 31/12/2026 …" with
    no valid_until would be answered as current after that date."""
    path = catalog / A
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["channels"][1]["fee"] = {"amount_vnd": 50000, "text": "Mức phí kể từ ngày 01/7/2025 "
                                  "đến hết ngày 31/12/2026 theo Thông tư"}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert warnings(catalog, date(2026, 10, 1)) == []
    (found,) = warnings(catalog, date(2026, 12, 1))
    assert found.startswith(f"{A}: channels.1.fee.text: the fee text says the rate applies "
                            "until 2026-12-31 but valid_until is not set")
    assert len(warnings(catalog, date(2027, 2, 1))) == 1


@pytest.mark.parametrize(("text", "end"), [
    ("từ 01/7/2025 đến hết 31/12/2026 thu bằng 50%", date(2026, 12, 31)),
    ("A đến hết ngày 31/12/2024; B đến hết ngày 31/12/2024", date(2024, 12, 31)),
    ("A đến hết ngày 31/12/2024; B đến hết ngày 31/12/2026", None),  # two periods: not one
    ("đến hết ngày 31/13/2026", None),
    ("50.000 đồng/lần", None),
    (None, None),
])
def test_stated_end(text: str | None, end: date | None) -> None:
    assert stated_end(text) == end


def test_abolition_dated_in_the_future_is_a_warning(catalog: Path) -> None:
    b = "procedures/thu-tuc-thu-nghiem-b.yaml"  # abolished from 2025-07-01
    assert not [w for w in warnings(catalog, date(2025, 7, 1)) if b in w]
    (found,) = [w for w in warnings(catalog, date(2025, 6, 30)) if b in w]
    assert found.startswith(f"{b}: status.effective_date: abolished from 2025-07-01, a date "
                            "still to come")
