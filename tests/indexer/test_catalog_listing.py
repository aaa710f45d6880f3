"""``python -m indexer catalog``: one JSON line per procedure, or a table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "catalog" / "valid"


def test_jsonl_lists_every_procedure(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "--knowledge", str(FIXTURE), "--format", "jsonl"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows == [
        {"id": "thu-tuc-thu-nghiem-a", "code": "9.999991", "name": "Đăng ký thử nghiệm loại A",
         "aliases": ["làm thử loại A"], "status": "active", "field": "Thử nghiệm"},
        {"id": "thu-tuc-thu-nghiem-b", "code": "9.999992", "name": "Đăng ký thử nghiệm loại B",
         "aliases": [], "status": "abolished", "field": "Thử nghiệm"},
    ]


def test_table_has_a_row_per_procedure(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "--knowledge", str(FIXTURE), "--format", "table"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["id", "code", "status", "field"]
    assert lines[2].startswith("thu-tuc-thu-nghiem-b  9.999992  abolished")
    assert lines[2].endswith("Đăng ký thử nghiệm loại B")
