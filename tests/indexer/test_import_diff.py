"""``python -m indexer import-diff OLD NEW``: new, amended (with the fields), abolished (status
or gone) and unchanged, on small hand-made catalogue directories."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from indexer.cli import main
from indexer.errors import CatalogError
from indexer.portal.diff import changed_fields, diff_catalogues, render_text

FIXTURE = Path(__file__).parent / "fixtures" / "catalog" / "valid" / "procedures"
BASE: dict[str, Any] = yaml.safe_load(
    (FIXTURE / "thu-tuc-thu-nghiem-a.yaml").read_text(encoding="utf-8"))


def record(code: str | None, name: str, **changes: Any) -> dict[str, Any]:
    """A fictional procedure (codes 9.99xxxx do not exist), id ``tthc-<code>`` like an import."""
    data = copy.deepcopy(BASE)
    data.update(id=f"tthc-{code.replace('.', '-')}" if code else "thu-tuc-khong-ma",
                code=code, name=name)
    data.update(changes)
    return data


def write(root: Path, records: list[dict[str, Any]]) -> Path:
    folder = root / "procedures"
    folder.mkdir(parents=True)
    for data in records:
        (folder / f"{data['id']}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                                 encoding="utf-8")
    return root


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    same = record("9.990001", "Thủ tục thử không đổi")
    fee = record("9.990002", "Thủ tục thử đổi lệ phí")
    docs = record("9.990003", "Thủ tục thử đổi hồ sơ")
    ended = record("9.990004", "Thủ tục thử bị bãi bỏ")
    gone = record("9.990005", "Thủ tục thử biến mất")
    no_code = record(None, "Thủ tục thử không có mã")
    old = write(tmp_path / "old", [same, fee, docs, ended, gone, no_code])

    fee2 = copy.deepcopy(fee)
    fee2["channels"][1]["fee"] = {"amount_vnd": 25000}
    docs2 = copy.deepcopy(docs)
    docs2["documents"].append({"name": "Giấy tờ mới thêm vào"})
    docs2["legal_basis"][0]["title"] = "Văn bản thử nghiệm sửa đổi"
    ended2 = copy.deepcopy(ended)
    ended2["status"] = {"state": "abolished", "effective_date": "2026-07-01",
                        "replaced_by": ["tthc-9-990006"]}
    added = record("9.990006", "Thủ tục thử mới")
    same2 = copy.deepcopy(same)
    same2["updated_at"] = "2027-01-01"  # a re-import date alone is not a change
    same2["source"]["checked_at"] = "2027-01-01"
    new = write(tmp_path / "new", [same2, fee2, docs2, ended2, added, no_code])
    return old, new


def test_report_sorts_every_procedure(dirs: tuple[Path, Path]) -> None:
    report = diff_catalogues(*dirs)
    assert report.counts() == {"new": 1, "amended": 2, "abolished": 2, "unchanged": 2}
    assert [e.code for e in report.added] == ["9.990006"]
    assert {a.code: a.fields for a in report.amended} == {
        "9.990002": ["channels.1.fee"], "9.990003": ["documents", "legal_basis"]}
    by_code = {a.code: a for a in report.abolished}
    assert by_code["9.990004"].reason == "status"
    assert by_code["9.990004"].effective_date == "2026-07-01"
    assert by_code["9.990004"].replaced_by == ["tthc-9-990006"]
    assert by_code["9.990005"].reason == "removed" and not by_code["9.990005"].was_abolished


def test_text_summary_for_operators(dirs: tuple[Path, Path]) -> None:
    text = render_text(diff_catalogues(*dirs))
    lines = text.splitlines()
    assert lines[1] == ("new: 1, amended: 2, abolished: 2 (1 by status, 1 no longer present), "
                        "unchanged: 2")
    assert "fields changed: channels.*.fee 1, documents 1, legal_basis 1" in text
    assert "  + 9.990006  tthc-9-990006  Thủ tục thử mới" in lines
    assert "  ~ 9.990002  tthc-9-990002  Thủ tục thử đổi lệ phí: channels.1.fee" in lines
    assert ("  - 9.990004  tthc-9-990004  Thủ tục thử bị bãi bỏ: status went to abolished "
            "(effective 2026-07-01); replaced by: tthc-9-990006") in lines
    assert any(line.startswith("  - 9.990005") and "no longer in the new catalogue" in line
               for line in lines)
    short = render_text(diff_catalogues(*dirs), limit=1)
    assert "  ... and 1 more (see --json)" in short


def test_cli_writes_json(dirs: tuple[Path, Path], tmp_path: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report" / "diff.json"
    assert main(["import-diff", str(dirs[0]), str(dirs[1]), "--json", str(out)]) == 0
    assert "amended: 2" in capsys.readouterr().out
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["counts"] == {"new": 1, "amended": 2, "abolished": 2, "unchanged": 2}
    assert data["procedures"] == {"old": 6, "new": 6}
    assert {a["code"]: a["reason"] for a in data["abolished"]} == {
        "9.990004": "status", "9.990005": "removed"}
    assert data["amended"][0]["fields"] == ["channels.1.fee"]


def test_matched_by_code_across_ids(tmp_path: Path) -> None:
    """A curated record and its import share the code, not the id: compared, not new+gone."""
    curated = record("9.990007", "Thủ tục thử", id="thu-tuc-thu-giu-ten")
    imported = record("9.990007", "Thủ tục thử")
    report = diff_catalogues(write(tmp_path / "a", [curated]), write(tmp_path / "b", [imported]))
    assert report.counts()["amended"] == 1 and report.amended[0].fields == ["id"]


def test_already_abolished_and_reinstated(tmp_path: Path) -> None:
    abolished = {"state": "abolished", "effective_date": "2025-07-01"}
    old = write(tmp_path / "a", [record("9.990008", "Thủ tục thử A", status=abolished),
                                 record("9.990009", "Thủ tục thử B", status=abolished)])
    new = write(tmp_path / "b", [record("9.990008", "Thủ tục thử A")])
    report = diff_catalogues(old, new)
    assert [(a.code, a.fields) for a in report.amended] == [("9.990008", ["status"])]
    (gone,) = report.abolished
    assert gone.code == "9.990009" and gone.reason == "removed" and gone.was_abolished


def test_channel_lists_of_another_shape_are_reported_whole() -> None:
    a = {"channels": [{"kind": "in_person", "fee": {"free": True}}]}
    b = {"channels": [{"kind": "online", "fee": {"free": True}}]}
    assert changed_fields(a, b) == ["channels"]
    c = {"channels": [{"kind": "in_person", "fee": {"free": True}, "note": "x"}]}
    assert changed_fields(a, c) == ["channels.0.note"]
    assert changed_fields({"status": {"state": "active"}},
                          {"status": {"state": "amended"}}) == ["status.state"]


def test_invalid_or_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="no procedures/ directory"):
        diff_catalogues(tmp_path / "nowhere", tmp_path / "nowhere")
    bad = write(tmp_path / "bad", [record("9.990010", "Thủ tục thử", levels=[])])
    with pytest.raises(CatalogError, match="1 invalid file"):
        diff_catalogues(bad, bad)
