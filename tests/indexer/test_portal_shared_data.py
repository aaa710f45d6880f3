"""``import-portal`` over the real official records in ../shared/data (about a minute).

Issue 3's targets: at least 95% of the 4,400+ records become valid procedures with name, code,
level, field and a channel with a time, and time and fee agree on at least 90% of the 708 codes
found in both the JSON crawl and the Word exports. Measured (docs/benchmarks/catalog.md): every
record becomes a valid procedure, but only ~88% state a usable time, and the two sources often
carry different versions of a procedure (different publishing decisions). The targets the data
cannot support are kept below as strict xfails, so meeting them later turns the suite red until
they are promoted; the parser itself is held to "no time in the source is lost".
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from indexer.portal.importer import ImportResult, run_import
from indexer.portal.values import valid_dossier_time
from indexer.portal.worddoc import read_body

pytestmark = pytest.mark.shared_data

TIME_CELL = re.compile(r"^\s*0*[1-9]\d*\s*(Ngày làm việc|Ngày|Giờ|Tháng)\s*$", re.IGNORECASE)
FLAT_TIME = re.compile(r"(Trực tiếp|Trực tuyến|Dịch vụ bưu chính)0*[1-9]\d* (Ngày làm việc|Ngày|"
                       r"Giờ|Tháng)")


@pytest.fixture(scope="module")
def imported(shared_data: Path) -> ImportResult:
    sources = [shared_data / name for name in ("dvc-json", "dvc-docx", "dvc-bqp")]
    return run_import(sources, jobs=2, progress=False, today=date(2026, 1, 1))


def test_every_official_record_becomes_a_valid_procedure(imported: ImportResult) -> None:
    summary = imported.summary()
    assert summary["official_codes"] >= 4400
    assert summary["valid_rate"] >= 0.95, imported.failures[:20]
    assert imported.failures == []
    for procedure in imported.procedures.values():
        assert procedure.name and procedure.code and procedure.levels and procedure.field
        assert not procedure.name.lower().startswith("thủ tục ")


def test_time_and_fee_rates_the_data_supports(imported: ImportResult) -> None:
    summary = imported.summary()
    check = summary["crosscheck"]
    assert check["overlapping_codes"] == 708
    assert summary["complete_rate"] >= 0.875  # measured 0.8775
    assert check["fee_agree_rate"] >= 0.90  # measured 0.9011
    same = check["same_decision"]
    assert same["codes"] == 400
    assert same["time_agree_rate"] >= 0.87  # measured 0.8725
    assert same["channel_time_agree_rate_of_comparable"] >= 0.92  # measured 0.9296 (330/355)
    # a difference of versions, not the parser, is the main cause of time disagreement
    causes = check["time_disagreement_causes"]
    assert causes["different_decision"] > sum(causes.values()) / 2  # measured 176 of 264


def test_valid_dossier_clause_agrees_with_stated_time_cells(imported: ImportResult) -> None:
    """Where a time cell is stated, the description's "hồ sơ hợp lệ: <n> <unit>" clause gives
    the same time (the evidence for using the clause when the cell is empty)."""
    compared = []
    for record in imported.records:
        for channel in record.channels:
            derived = f"channels[{channel.kind.value}].time: time cell empty"
            if channel.time is None or any(n.startswith(derived) for n in record.notes):
                continue
            clause = valid_dossier_time(channel.note)
            if clause is not None:
                compared.append((record.code, (channel.time.value, channel.time.unit),
                                 (clause.value, clause.unit)))
    assert len(compared) >= 20  # measured 21 channels
    assert [c for c in compared if c[1] != c[2]] == []


def test_no_time_stated_in_the_source_is_lost(imported: ImportResult) -> None:
    """Every record imported without a time has no "<n> <unit>" time cell in any source."""
    incomplete = {f.code for f in imported.incomplete}
    assert incomplete
    lost = []
    for record in imported.records:
        if record.code not in incomplete:
            continue
        path = Path(record.path)
        if record.source == "dvc-json":
            raw = json.loads(path.read_text(encoding="utf-8"))["cach_thuc_thuc_hien"]
            if FLAT_TIME.search(raw):
                lost.append(record.code)
        elif record.source == "dvc-docx":
            _, tables = read_body(path)
            if any(len(row) > 1 and TIME_CELL.match(row[1]) for row in tables.get("channels", [])):
                lost.append(record.code)
        else:
            raw = json.loads(path.read_text(encoding="utf-8"))["tables"]["hinh_thuc_nop"]
            if any(TIME_CELL.match(row.get("thoi_han_giai_quyet", "")) for row in raw):
                lost.append(record.code)
    assert lost == []


@pytest.mark.xfail(strict=True, reason="~12% of official records state no usable time (blank, "
                   "'Không quy định', or a bare '1' with no unit); see docs/benchmarks/catalog.md")
def test_issue_target_time_on_95_percent(imported: ImportResult) -> None:
    assert imported.summary()["complete_rate"] >= 0.95


@pytest.mark.xfail(strict=True, reason="308 of the 708 shared codes cite different publishing "
                   "decisions in the two sources, with different times (176 of the 264 time "
                   "disagreements); see docs/benchmarks/catalog.md")
def test_issue_target_time_and_fee_agree_on_90_percent(imported: ImportResult) -> None:
    assert imported.summary()["crosscheck"]["time_and_fee_agree_rate"] >= 0.90
