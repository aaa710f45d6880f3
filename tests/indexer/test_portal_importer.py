"""``import-portal`` end to end on hand-made files: merge, cross-check, write, validate, refuse."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import yaml

from indexer.catalog.schema import Channel, ChannelKind, ProcessingTime
from indexer.catalog.validate import has_diacritics, validate_catalog
from indexer.cli import main
from indexer.portal.build import example_questions, merge, procedure_id
from indexer.portal.importer import REPO, PortalImportError, check_out_dir, run_import
from indexer.portal.importer import stale_files, write_catalogue
from indexer.portal.record import PortalRecord

from test_portal_sources import make_word_export  # noqa: E402  (sibling test module)

H = "Hình thức nộpThời gianPhí, lệ phíMô tả"


def flat_record(code: str, channels: str, **extra: str) -> dict[str, str]:
    record = {
        "ma_thu_tuc": code, "ten_thu_tuc": f"Thủ tục đăng ký thử nghiệm {code}",
        "so_quyet_dinh": "1/QĐ-TEST", "cap_thuc_hien": "Cấp tỉnh", "linh_vuc": "Thử nghiệm",
        "co_quan_thuc_hien": "Sở Thử nghiệm", "cach_thuc_thuc_hien": H + channels,
        "trinh_tu_thuc_hien": "", "thanh_phan_ho_so": "", "can_cu_phap_ly": "",
        "ket_qua_xu_ly": "", "raw_text": "",
    }
    record.update(extra)
    return record


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    (src / "dvc-json" / "bo-test").mkdir(parents=True)
    (src / "dvc-docx" / "Bộ_Test").mkdir(parents=True)
    records = {
        # in both sources, agreeing on time and fee
        "9.999991": flat_record("9.999991", "Trực tiếp5 Ngày làm việc50,000 Việt Nam Đồng"),
        # in both sources, the crawl lost the unit: the Word export gives the time
        "9.999992": flat_record("9.999992", "Trực tiếp5Miễn phí"),
        # JSON only, no time anywhere: imported, but incomplete
        "9.999994": flat_record("9.999994", "Trực tiếp1Miễn phí"),
        # not a procedure code: reported as not imported
        "ABC": flat_record("ABC", "Trực tiếp5 NgàyMiễn phí"),
    }
    for code, record in records.items():
        path = src / "dvc-json" / "bo-test" / f"{code}.json"
        path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    (src / "dvc-json" / "bo-test" / "broken.json").write_text("{", encoding="utf-8")
    make_word_export(src / "dvc-docx" / "Bộ_Test" / "9_999991.docx", code="9.999991",
                     fee="Lệ phí : 50000 Đồng")
    make_word_export(src / "dvc-docx" / "Bộ_Test" / "9_999992.docx", code="9.999992",
                     time="3 Ngày", fee="")
    return src


def test_run_import(sources: Path) -> None:
    result = run_import([sources], jobs=1, progress=False, today=date(2026, 1, 1))
    assert result.files == 7
    assert sorted(result.procedures) == ["9.999991", "9.999992", "9.999994"]
    reasons = {f.code: f.reason for f in result.failures}
    assert reasons["ABC"] == "code 'ABC' is not an official procedure code"
    assert reasons["broken"].startswith("cannot read JSON")
    assert [f.code for f in result.incomplete] == ["9.999994"]
    assert "gives 1 without a unit" in result.incomplete[0].reason
    # the Word export is preferred; its channels carry the time the crawl lost
    time = result.procedures["9.999992"].channels[0].time
    assert (time.value, time.unit.value) == (3, "ngày")
    summary = result.summary()
    assert summary["official_codes"] == 5  # an unreadable file counts against the rate too
    assert (summary["valid_procedures"], summary["complete_procedures"]) == (3, 2)
    check = summary["crosscheck"]
    assert check["overlapping_codes"] == 2
    # 9.999992: the times differ; neither source states an amount, so the fees agree
    assert (check["time_agree"], check["fee_agree"], check["time_and_fee_agree"]) == (1, 2, 1)
    assert [d["code"] for d in result.crosscheck.disagreements] == ["9.999992"]


def test_written_catalogue_validates(sources: Path, tmp_path: Path) -> None:
    result = run_import([sources], jobs=1, progress=False, today=date(2026, 1, 1))
    out = tmp_path / "out"
    assert write_catalogue(result, out, progress=False) == 3
    text = (out / "procedures" / "tthc-9-999991.yaml").read_text(encoding="utf-8")
    assert "generated from the name by a template" in text.splitlines()[2]
    data = yaml.safe_load(text)
    assert data["source"]["kind"] == "portal"
    assert "9.999991" in data["source"]["reference"]
    assert data["channels"][0]["time"] == {"value": 5, "unit": "ngày làm việc"}
    report = validate_catalog(out, required=None, display_base=out)
    assert report.problems == [] and report.procedures == 3


def test_parallel_parse_gives_the_same_result(sources: Path) -> None:
    one = run_import([sources], jobs=1, progress=False, today=date(2026, 1, 1))
    two = run_import([sources], jobs=2, progress=False, today=date(2026, 1, 1))
    assert one.procedures == two.procedures
    assert one.summary() == two.summary()


def test_out_inside_the_repository_is_refused(tmp_path: Path) -> None:
    for inside in (REPO, REPO / "knowledge", REPO / "var", REPO / "tests" / "var" / "x"):
        with pytest.raises(PortalImportError, match="must not go inside the repository"):
            check_out_dir(inside)
    assert check_out_dir(tmp_path / "x") == (tmp_path / "x").resolve()
    # var/ is ignored by git (never committed): a profile for `make run PROFILE=...` lives there
    assert "/var/" in (REPO / ".gitignore").read_text(encoding="utf-8").split()
    assert check_out_dir(REPO / "var" / "profiles" / "x") == REPO / "var" / "profiles" / "x"


def test_cli_refuses_repo_out_and_writes_outside(sources: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["import-portal", str(sources), "--out", str(REPO / "knowledge" / "imported")])
    assert exit_info.value.code == 2
    assert not (REPO / "knowledge" / "imported").exists()
    out = tmp_path / "catalogue"
    assert main(["import-portal", str(sources), "--out", str(out), "--no-progress",
                 "--jobs", "1"]) == 0
    printed = capsys.readouterr().out
    assert '"valid_procedures": 3' in printed
    report = json.loads((out / "import-report.json").read_text(encoding="utf-8"))
    assert {f["code"] for f in report["failures"]} == {"ABC", "broken"}
    assert len(list((out / "procedures").glob("*.yaml"))) == 3


def test_parser_remarks_end_in_source_remarks_not_in_notes(sources: Path,
                                                           tmp_path: Path) -> None:
    """What the parser had to guess is for maintainers: it is in ``source.remarks``, while the
    notes citizens are shown quote only the portal record."""
    result = run_import([sources], jobs=1, progress=False, today=date(2026, 1, 1))
    bare_one = result.procedures["9.999994"]  # the crawl's "Trực tiếp1Miễn phí"
    assert bare_one.source.remarks == [
        "channels[in_person].time: the portal record gives 1 without a unit of time (a bare 1 "
        "is usually a placeholder; no unit is taken from the steps)"]
    (channel,) = bare_one.channels
    assert channel.time is None and channel.note is None
    # 9.999992: the crawl's remark on its bare 5 goes with its channels, which the Word
    # export's replace; nothing is said about channels the procedure does not have
    assert any("without a unit" in n for r in result.records if r.code == "9.999992"
               for n in r.notes)
    assert result.procedures["9.999992"].source.remarks == []
    for procedure in result.procedures.values():
        for ch in procedure.channels:
            shown = " ".join(x or "" for x in (ch.note, ch.time and ch.time.note,
                                               ch.fee and ch.fee.text))
            assert "unit" not in shown and "portal" not in shown and "taken from" not in shown
    write_catalogue(result, tmp_path / "out", progress=False)
    data = yaml.safe_load((tmp_path / "out" / "procedures" / "tthc-9-999994.yaml").read_text(
        encoding="utf-8"))
    assert data["source"]["remarks"] == bare_one.source.remarks


def test_channels_taken_from_another_source_bring_their_remarks() -> None:
    word = PortalRecord(code="9.999991", source="dvc-docx", path="b.docx",
                        channels=[Channel(kind=ChannelKind.in_person)],
                        notes=["channels[in_person]: a remark on the Word export's channel"])
    flat = PortalRecord(code="9.999991", source="dvc-json", path="a.json",
                        channels=[Channel(kind=ChannelKind.online,
                                          time=ProcessingTime(value=5, unit="ngày làm việc"))],
                        notes=["channels[online].time: unit not in the portal table; taken from "
                               "the procedure text ('5 ngày làm việc')"])
    merged = merge([flat, word])
    assert [c.kind for c in merged.channels] == [ChannelKind.online]
    assert merged.notes == ["channels: taken from dvc-json (a.json)", flat.notes[0]]


def test_example_questions() -> None:
    questions = example_questions("Đăng ký khai sinh")
    assert len(questions) == 5 and len(set(questions)) == 5
    assert questions[0] == "Thủ tục đăng ký khai sinh cần những giấy tờ gì?"
    assert not has_diacritics(questions[-1])
    assert questions[-1] == "thu tuc dang ky khai sinh can giay to gi"


def test_merge_prefers_word_export_and_fills_gaps() -> None:
    flat = PortalRecord(code="9.999991", source="dvc-json", path="a.json", name="Tên A",
                        who="Công dân", url="https://x")
    word = PortalRecord(code="9.999991", source="dvc-docx", path="b.docx", name="Tên B")
    merged = merge([flat, word])
    assert (merged.name, merged.who, merged.url, merged.source) == (
        "Tên B", "Công dân", "https://x", "dvc-docx")
    assert procedure_id("1.001193") == "tthc-1-001193"


def test_stale_files_are_kept_unless_pruned(sources: Path, tmp_path: Path) -> None:
    result = run_import([sources], jobs=1, progress=False, today=date(2026, 1, 1))
    out = tmp_path / "out"
    write_catalogue(result, out, progress=False)
    mine = out / "procedures" / "operator-note.yaml"
    mine.write_text("id: operator-note\n", encoding="utf-8")
    del result.procedures["9.999994"]  # e.g. abolished since the last import
    assert [p.name for p in stale_files(result, out)] == ["tthc-9-999994.yaml"]
    write_catalogue(result, out, progress=False)
    assert (out / "procedures" / "tthc-9-999994.yaml").exists()
    write_catalogue(result, out, progress=False, prune=True)
    assert not (out / "procedures" / "tthc-9-999994.yaml").exists()
    assert mine.exists()  # a file the importer did not write is never removed


def test_agency_missing_from_the_page_comes_from_the_ministry_list(tmp_path: Path) -> None:
    src = tmp_path / "dvc-json"
    (src / "_index").mkdir(parents=True)
    record = flat_record("9.999995", "Trực tiếp3 Ngày làm việcMiễn phí", co_quan_thuc_hien="",
                         co_quan_co_tham_quyen="Không có thông tin")
    (src / "9.999995.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["DANH SÁCH THỦ TỤC HÀNH CHÍNH", None, None, None, None])
    sheet.append(["Mã số", "Tên", "Cơ quan ban hành", "Cơ quan thực hiện", "Lĩnh vực"])
    sheet.append(["9.999995", "Thử nghiệm", "Bộ Thử nghiệm", "Sở Thử nghiệm\nUBND cấp xã", "X"])
    workbook.save(src / "_index" / "danh-sach.xlsx")
    result = run_import([src], jobs=1, progress=False, today=date(2026, 1, 1))
    assert result.files == 1  # the list is not a record
    procedure = result.procedures["9.999995"]
    assert procedure.agency == "Sở Thử nghiệm; UBND cấp xã"
    assert "agency" not in procedure.source.unverified
    assert procedure.source.remarks == ["agency: taken from the ministry's procedure list"]
    # without the list the importer says the agency is unknown instead of inventing one
    alone = run_import([src / "9.999995.json"], jobs=1, progress=False, today=date(2026, 1, 1))
    assert alone.procedures["9.999995"].agency == "Không có thông tin"
    assert "agency" in alone.procedures["9.999995"].source.unverified
