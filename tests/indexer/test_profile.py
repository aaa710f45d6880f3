"""Province profiles from a hand-made list: which listed row is served, from where, and why not."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from indexer.catalog.loader import load_catalog
from indexer.catalog.schema import Procedure
from indexer.catalog.validate import validate_catalog
from indexer.cli import main
from indexer.portal.importer import write_catalogue, ImportResult
from indexer.province.listing import (
    ProvinceList,
    ProvinceListError,
    national_code,
    read_province_list,
)
from indexer.province.profile import Profile, build_profile, name_key, same_field
from indexer.province.write import ProfileWriteError, write_profile

Imported = dict[str, Procedure]
HEADER = ("STT", "Mã TTHC", "MỨC ĐỘ DVC", "TÊN TTHC", "LĨNH VỰC", "QUYẾT ĐỊNH")


def procedure(code: str, name: str, field: str = "Hộ tịch", *, pid: str | None = None,
              levels: tuple[str, ...] = ("cấp xã",)) -> Procedure:
    return Procedure.model_validate({
        "id": pid or "tthc-" + code.replace(".", "-"), "code": code, "name": name,
        "field": field, "levels": list(levels), "agency": "Ủy ban nhân dân cấp xã",
        "channels": [{"kind": "in_person", "time": {"value": 5, "unit": "ngày làm việc"}}],
        "updated_at": "2026-01-01",
        "source": {"kind": "portal", "reference": f"Cổng Dịch vụ công quốc gia, mã {code}",
                   "checked_at": "2026-01-01"},
        "example_questions": [*(f"{name} {i}" for i in range(4)), "hoi khong dau"],
    })


def write_list(path: Path, rows: list[tuple[object, ...]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(("UBND TỈNH THỬ NGHIỆM", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"))
    ws.append(())
    ws.append(HEADER)
    for i, row in enumerate(rows, 1):
        ws.append((i, *row))
    ws.append((None, None, None, None))  # a trailing blank row
    wb.save(path)
    return path


ROWS = [
    ("1.000001.000.00.00.H37", "Toàn trình", "Đăng ký khai sinh", "Hộ tịch", "QĐ 1"),
    ("1.000002.000.00.00.H37", "Một phần", "Đăng ký kết hôn", "Hộ tịch", None),
    ("1.000003.000.00.00.H37", "Một phần", "Cấp lại giấy phép biểu diễn", "Văn hóa", None),
    ("1.000004.000.00.00.H37", "Một phần", "Cấp giấy phép kinh doanh karaoke (Cấp huyện)",
     "Văn hóa", None),
    ("1.000005.000.00.00.H37", "Một phần", "Thẩm định dự án do Ủy ban nhân dân cấp huyện "
     "quyết định", "Xây dựng", None),
    ("1.000006.000.00.00.H37", "Một phần", "Công nhận tổ chức cộng đồng (thuộc địa bàn từ hai "
     "huyện trở lên)", "Lâm nghiệp", None),
    ("1.000007.000.00.00.H37", "Một phần", "Trả lại giấy phép", "Khoáng sản", None),
    ("1.000008.000.00.00.H37", "Một phần", "Thủ tục đăng ký khai sinh", "Hộ tịch", None),
    ("CCHC_01", None, "Xây dựng kế hoạch cải cách hành chính", "Cải cách hành chính", None),
    ("TEST_MOT_CAP", None, "Thủ tục test", "Hạ tầng", None),
    (1.00001, "Toàn trình", "Đăng ký khai sinh", "Hộ tịch", None),  # a float code: 1.000010
    ("1.000001.000.00.00.H37", "Toàn trình", "Đăng ký khai sinh", "Hộ tịch", None),
]


@pytest.fixture
def listing(tmp_path: Path) -> ProvinceList:
    return read_province_list(write_list(tmp_path / "list.xlsx", ROWS))


@pytest.fixture
def imported() -> dict[str, Procedure]:
    records = [
        procedure("1.000001", "Đăng ký khai sinh"),
        procedure("1.000002", "Đăng ký kết hôn"),
        # 1.000003 was renumbered after the reform: same name and field, a new code
        procedure("1.009003", "Cấp lại giấy phép biểu diễn", "Văn hóa, thể thao"),
        # the district-level karaoke licence now sits at the commune
        procedure("1.000004", "Cấp giấy phép kinh doanh karaoke", "Văn hóa"),
        procedure("1.000005", "Thẩm định dự án do Ủy ban nhân dân cấp huyện quyết định",
                  "Xây dựng", levels=("cấp tỉnh",)),
        procedure("1.000006", "Công nhận tổ chức cộng đồng (thuộc địa bàn từ hai huyện trở lên)",
                  "Lâm nghiệp", levels=("cấp tỉnh",)),
        procedure("1.009007", "Trả lại giấy phép", "Khoáng sản"),
        procedure("1.009107", "Trả lại giấy phép", "Xuất bản"),  # the same name in another field
    ]
    return {p.code: p for p in records if p.code}


@pytest.fixture
def curated() -> list[Procedure]:
    return [procedure("1.000001", "Đăng ký khai sinh", pid="dang-ky-khai-sinh"),
            procedure("1.999999", "Đăng ký giám hộ", pid="dang-ky-giam-ho")]


def outcomes(profile: Profile) -> dict[str, tuple[str, str | None]]:
    first: dict[str, tuple[str, str | None]] = {}
    for r in profile.rows:
        first.setdefault(r.service_code, (r.outcome, r.procedure_id))
    return first


def test_reads_the_list_with_its_codes_and_rows(listing: ProvinceList) -> None:
    assert len(listing.rows) == len(ROWS)
    first = listing.rows[0]
    assert (first.row, first.code, first.online_level, first.decision) == (4, "1.000001",
                                                                           "Toàn trình", "QĐ 1")
    assert listing.rows[10].code == "1.000010"  # trailing zero restored
    assert listing.rows[8].code is None and listing.rows[9].is_test
    assert listing.blank_rows == 1


def test_national_code() -> None:
    assert national_code("1.001193.000.00.00.H37") == "1.001193"
    assert national_code(2.00081) == "2.000810"
    assert national_code("1.001193") == "1.001193"
    assert national_code("CCHC_01") is None and national_code(None) is None


def test_district_level_wording_is_told_from_place_names(listing: ProvinceList) -> None:
    flags = {r.code: r.district_level for r in listing.rows if r.code}
    assert flags["1.000004"] and flags["1.000005"]
    assert not flags["1.000006"]  # "trên địa bàn từ hai huyện": a place, not the level
    assert not flags["1.000001"]


def test_each_row_gets_one_outcome(listing: ProvinceList, imported: Imported,
        curated: list[Procedure]) -> None:
    profile = build_profile("test", listing, imported=imported, curated=curated)
    got = outcomes(profile)
    assert got["1.000001.000.00.00.H37"] == ("curated", "dang-ky-khai-sinh")  # curated wins
    assert got["1.000002.000.00.00.H37"] == ("imported", "tthc-1-000002")
    assert got["1.000003.000.00.00.H37"] == ("renamed", "tthc-1-009003")
    assert got["1.000004.000.00.00.H37"] == ("imported", "tthc-1-000004")  # post-reform record
    assert got["1.000005.000.00.00.H37"] == ("pre_reform_record", None)
    assert got["1.000006.000.00.00.H37"] == ("imported", "tthc-1-000006")
    assert got["1.000007.000.00.00.H37"] == ("renamed", "tthc-1-009007")  # the one in its field
    assert got["CCHC_01"] == ("internal_code", None)
    assert got["TEST_MOT_CAP"] == ("test_row", None)
    # a listed code the import lacks, named like a curated record: the curated one, once
    assert got["1.000010"] == ("curated", "dang-ky-khai-sinh")
    assert got["1.000008.000.00.00.H37"] == ("curated", "dang-ky-khai-sinh")
    duplicates = [r for r in profile.rows if r.outcome == "duplicate"]
    assert [r.row for r in duplicates] == [15]
    karaoke = next(r for r in profile.rows if r.code == "1.000004")
    assert "post-reform record (cấp xã)" in karaoke.note
    # row 1.000008 names "Thủ tục đăng ký khai sinh": its code is unknown, the name is curated's
    ids = [p.id for p in profile.procedures]
    assert ids.count("dang-ky-khai-sinh") == 1 and "tthc-1-000001" not in ids
    assert "dang-ky-giam-ho" in ids and profile.curated_unlisted == ["dang-ky-giam-ho"]
    summary = profile.summary()
    assert summary["listed_national_codes"] == 9
    assert summary["served_listed_codes"] == 8
    assert summary["district_level_rows"] == 2 and summary["district_level_served_post_reform"] == 1


def test_a_name_shared_by_two_records_is_not_guessed(listing: ProvinceList, imported: Imported,
        curated: list[Procedure]) -> None:
    imported["1.009207"] = procedure("1.009207", "Trả lại giấy phép", "Khoáng sản")
    profile = build_profile("test", listing, imported=imported, curated=curated)
    assert outcomes(profile)["1.000007.000.00.00.H37"] == ("ambiguous_name", None)


def test_listed_only_leaves_out_unlisted_curated(listing: ProvinceList, imported: Imported,
        curated: list[Procedure]) -> None:
    profile = build_profile("t", listing, imported=imported, curated=curated,
                            include_unlisted_curated=False)
    assert "dang-ky-giam-ho" not in [p.id for p in profile.procedures]


def test_name_key_and_fields() -> None:
    assert name_key("Thủ tục Đăng ký khai sinh (cấp xã)") == name_key("đăng ký khai sinh")
    assert same_field("[SVH] - Du lịch", "Du lịch")
    assert not same_field("Hộ tịch", "Đất đai")


def test_unreadable_list_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(ProvinceListError, match="cannot read"):
        read_province_list(bad)
    empty = write_list(tmp_path / "empty.xlsx", [])
    wb = openpyxl.load_workbook(empty)
    wb.active.delete_rows(3)  # no header row
    wb.save(empty)
    with pytest.raises(ProvinceListError, match="no procedure rows"):
        read_province_list(empty)


def curated_dir(tmp_path: Path, knowledge_dir: Path) -> Path:
    """A curated catalogue: two real files of knowledge/ plus its FAQ and glossary."""
    root = tmp_path / "curated"
    (root / "procedures").mkdir(parents=True)
    for name in ("dang-ky-khai-sinh", "dang-ky-ket-hon"):
        src = knowledge_dir / "procedures" / f"{name}.yaml"
        (root / "procedures" / src.name).write_bytes(src.read_bytes())
    (root / "glossary.yaml").write_bytes((knowledge_dir / "glossary.yaml").read_bytes())
    return root


def test_cli_writes_a_valid_catalogue_and_keeps_curated_files(
        tmp_path: Path, knowledge_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    curated_root = curated_dir(tmp_path, knowledge_dir)
    birth = load_catalog(curated_root).by_id["dang-ky-khai-sinh"]
    assert birth.code
    rows = [(f"{birth.code}.000.00.00.H37", "Toàn trình", birth.name, birth.field, None),
            ("1.000002.000.00.00.H37", "Một phần", "Cấp giấy phép kinh doanh karaoke",
             "Văn hóa", None)]
    xlsx = write_list(tmp_path / "list.xlsx", rows)
    result = ImportResult(procedures={
        birth.code: procedure(birth.code, birth.name),
        "1.000002": procedure("1.000002", "Cấp giấy phép kinh doanh karaoke", "Văn hóa")})
    write_catalogue(result, tmp_path / "imported", progress=False)
    out = tmp_path / "profile"
    argv = ["profile", "--list", str(xlsx), "--imported", str(tmp_path / "imported"),
            "--curated", str(curated_root), "--out", str(out), "--name", "thu-nghiem"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert '"served_listed_codes": 2' in printed
    files = sorted(p.name for p in (out / "procedures").glob("*.yaml"))
    assert files == ["dang-ky-ket-hon.yaml", "dang-ky-khai-sinh.yaml", "tthc-1-000002.yaml"]
    assert ((out / "procedures" / "dang-ky-khai-sinh.yaml").read_bytes()
            == (curated_root / "procedures" / "dang-ky-khai-sinh.yaml").read_bytes())
    assert (out / "glossary.yaml").exists()
    report = validate_catalog(out, today=date(2026, 1, 1))
    assert report.ok, report.problems
    saved = json.loads((out / "profile-report.json").read_text(encoding="utf-8"))
    assert saved["summary"]["profile"] == "thu-nghiem"
    assert [r["outcome"] for r in saved["rows"]] == ["curated", "imported"]
    # a second run with one row fewer removes the file it no longer serves
    write_list(xlsx, rows[:1])
    assert main(argv) == 0
    assert not (out / "procedures" / "tthc-1-000002.yaml").exists()


def test_refuses_to_delete_files_no_tool_wrote(tmp_path: Path, knowledge_dir: Path,
                                               listing: ProvinceList, imported: Imported) -> None:
    curated_root = curated_dir(tmp_path, knowledge_dir)
    out = tmp_path / "profile"
    (out / "procedures").mkdir(parents=True)
    (out / "procedures" / "hand-written.yaml").write_text("id: hand-written\n", encoding="utf-8")
    profile = build_profile("t", listing, imported=imported, curated=[])
    with pytest.raises(ProfileWriteError, match="hand-written.yaml"):
        write_profile(profile, out, curated_root=curated_root)
    assert (out / "procedures" / "hand-written.yaml").exists()
