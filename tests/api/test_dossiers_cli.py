"""``python -m api.dossiers``: the importer reports bad rows by line and goes on; the demo
generator writes valid dossiers with report-like status shares."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from api.dossiers.__main__ import main
from api.dossiers.models import DossierRow
from api.dossiers.record import DossierIn

SALT = "salt-for-tests-0123456789"
SMALL_CATALOGUE = str(Path(__file__).parent / "fixtures" / "knowledge")
HEADER = ["code", "procedure_code", "procedure_name", "applicant_name", "phone", "id_number",
          "received_at", "due_at", "resolved_at", "status", "reason", "agency",
          "apology_issued", "new_appointment", "delivery"]


@pytest.fixture(autouse=True)
def _salt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_HASH_SALT", SALT)


def count_rows(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(DossierRow)).scalar_one()
    engine.dispose()
    return int(n)


def test_csv_import_reports_bad_rows_by_line_and_keeps_the_good(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = ["000.00.19.h12-250101-0001", "1.001193", "Đăng ký khai sinh", "Trần Thị Bình",
            "0987 654 321", "", "01/01/2025 08:00", "06/01/2025", "", "processing", "",
            "UBND phường An Bình", "", "", "counter"]
    rows = [
        good,
        ["000.00.19.H12-250101", *good[1:]],                                       # line 3
        ["000.00.19.H12-250101-0003", *good[1:4], "", "", *good[6:]],             # line 4
        ["000.00.19.H12-250101-0004", *good[1:9], "resolved_on_time", *good[10:]],  # line 5
        [*good, "extra cell"],                                                     # line 6
        ["000.00.19.H12-250101-0006", *good[1:9], "refused", *good[10:]],           # line 7
        ["000.00.19.H12-250101-0007", *good[1:9], "resolved_late",                  # line 8
         "", *good[11:]],
        ["000.00.19.H12-250102-0008", *good[1:]],                                  # line 9
    ]
    rows[6][8] = "10/01/2025 09:00"
    path = tmp_path / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    url = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    rc = main(["import", str(path), "--database-url", url, "--quiet",
               "--knowledge", SMALL_CATALOGUE])
    out, err = capsys.readouterr()
    assert rc == 1
    assert "8 rows read, 3 imported, 3 linked to the catalogue, 5 bad" in out
    lines = err.strip().splitlines()
    assert [line.split(":")[1] for line in lines] == ["3", "4", "5", "6", "7"]
    assert "code: not a dossier code" in lines[0]
    assert "needs a phone or an ID number" in lines[1]
    assert "needs resolved_at" in lines[2]
    assert "more cells than header columns" in lines[3]
    assert "status refused needs a reason" in lines[4]
    assert "654" not in err  # a bad row's values (the phone) are never echoed
    assert count_rows(url) == 3


def test_jsonl_import_reports_bad_lines(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    row = {"code": "000.00.19.H12-250101-0001", "procedure_name": "Đăng ký khai sinh",
           "phone": "0987654321", "received_at": "2025-01-01T08:00:00+07:00",
           "resolved_at": "2025-01-03T08:00:00+07:00", "status": "refused"}
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join([
        json.dumps(row),
        "{not json",
        "[1, 2]",
        "",
        json.dumps({**row, "code": "000.00.19.H12-250101-0002", "reason": "Thiếu giấy tờ."}),
    ]) + "\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    assert main(["import", str(path), "--database-url", url, "--quiet",
                 "--knowledge", SMALL_CATALOGUE]) == 1
    out, err = capsys.readouterr()
    assert [line.split(":")[1] for line in err.strip().splitlines()] == ["1", "2", "3"]
    assert "needs a reason" in err and "not valid JSON" in err and "not a JSON object" in err
    assert "4 rows read, 1 imported" in out
    assert count_rows(url) == 1


def test_unknown_extension_is_refused(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "export.xml"
    path.write_text("<x/>", encoding="utf-8")
    assert main(["import", str(path), "--database-url",
                 f"sqlite:///{tmp_path / 'd.sqlite3'}", "--quiet"]) == 2
    assert "expected .csv or .jsonl" in capsys.readouterr().err


def test_demo_shares_follow_the_reports_and_import_cleanly(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo.jsonl"
    assert main(["demo", "--count", "1000", "--out", str(out), "--quiet",
                 "--as-of", "2026-11-20T09:00:00"]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 1000 and len({r["code"] for r in rows}) == 1000
    parsed = [DossierIn.model_validate(r) for r in rows]
    as_of = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
    shares = Counter(p.status.value for p in parsed)
    overdue = sum(1 for p in parsed if p.to_record(b"k").overdue(as_of))
    assert shares["resolved_on_time"] >= 800  # the large majority on time
    assert 5 <= shares["resolved_late"] <= 50  # a few late
    assert 3 <= overdue <= 30  # some overdue in progress
    assert set(shares) == {"received", "processing", "waiting_additional", "resolved_on_time",
                           "resolved_late", "returned", "refused", "withdrawn"}
    assert len({p.procedure_id for p in parsed}) >= 50
    assert all(not p.apology_issued for p in parsed
               if p.status.value == "resolved_on_time")
    assert any(p.apology_issued and p.new_appointment for p in parsed
               if p.status.value == "resolved_late")
    post = sum(p.delivery.value == "post" for p in parsed) / len(parsed)
    assert 0.15 <= post <= 0.35
    url = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    assert main(["import", str(out), "--database-url", url, "--quiet"]) == 0
    assert "1000 rows read, 1000 imported, 1000 linked" in capsys.readouterr().out
    assert count_rows(url) == 1000
