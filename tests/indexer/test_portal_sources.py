"""Word exports and defence ministry JSON, on small hand-made files."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path

import docx
import pytest

from indexer.catalog.schema import ChannelKind, TimeUnit
from indexer.portal.bqp import parse_bqp_json
from indexer.portal.record import RecordError
from indexer.portal.worddoc import parse_word_export

PARAGRAPHS_BEFORE = [
    "Chi tiết thủ tục hành chính",
    "Mã thủ tục: 9.999991",
    "Số quyết định: 1/QĐ-TEST",
    "Tên thủ tục: Thủ tục đăng ký thử nghiệm",
    "Cấp thực hiện: Cấp Bộ, Cấp Tỉnh",
    "Lĩnh vực: Thử nghiệm",
    "Trình tự thực hiện: ",
    "Bước 1: Nộp hồ sơ.",
    "Bước 2: Nhận kết quả.",
    "Cách thức thực hiện: ",
]


def make_word_export(path: Path, *, code: str = "9.999991", time: str = "05 Ngày làm việc",
                     fee: str = "Lệ phí : 50000 Đồng (50.000 đồng/lần)",
                     description: str = "Nộp tại Bộ phận Một cửa") -> Path:
    """A file laid out like the portal's "Chi tiết thủ tục hành chính" export."""
    document = docx.Document()
    for text in PARAGRAPHS_BEFORE:
        document.add_paragraph(text.replace("9.999991", code))
    rows = [["Hình thức nộp", "Thời hạn giải quyết", "Phí, lệ phí", "Mô tả"],
            ["Trực tiếp", time, fee, description],
            ["Trực tuyến", time, "", ""]]
    _table(document, rows)
    document.add_paragraph("Thành phần hồ sơ: ")
    document.add_paragraph("Bao gồm")
    _table(document, [["Tên giấy tờ", "Mẫu đơn, tờ khai", "Số lượng"],
                      ["Tờ khai đăng ký", "Mau_01.docx", "Bản chính: 1Bản sao: 0"],
                      ["Bản sao giấy tờ tùy thân", "", "Bản chính: 0Bản sao: 1"]])
    for text in ["Đối tượng thực hiện: Công dân Việt Nam", "Cơ quan thực hiện: Sở Thử nghiệm",
                 "Kết quả thực hiện: Giấy xác nhận", "Căn cứ pháp lý: "]:
        document.add_paragraph(text)
    _table(document, [["Số ký hiệu", "Trích yếu", "Ngày ban hành", "Cơ quan ban hành"],
                      ["01/2020/QH14", "Luật thử nghiệm", "21-06-2020", "Quốc Hội"]])
    document.add_paragraph("Yêu cầu, điều kiện thực hiện: Không có")
    document.add_paragraph("Để xem chi tiết, vui lòng truy cập link sau: https://example.gov.vn/x")
    document.save(str(path))
    return path


def _table(document: docx.document.Document, rows: list[list[str]]) -> None:
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text


def test_word_export(tmp_path: Path) -> None:
    rec = parse_word_export(make_word_export(tmp_path / "9_999991.docx"))
    assert (rec.code, rec.name, rec.decision, rec.source) == (
        "9.999991", "Đăng ký thử nghiệm", "1/QĐ-TEST", "dvc-docx")
    assert rec.levels == ["cấp trung ương", "cấp tỉnh"]
    assert (rec.field, rec.agency, rec.who) == ("Thử nghiệm", "Sở Thử nghiệm", "Công dân Việt Nam")
    assert rec.steps == ["Bước 1: Nộp hồ sơ.", "Bước 2: Nhận kết quả."]
    in_person, online = rec.channels
    assert in_person.kind is ChannelKind.in_person and online.kind is ChannelKind.online
    assert (in_person.time.value, in_person.time.unit) == (5, TimeUnit.working_days)
    assert in_person.fee.amount_vnd == 50000 and online.fee is None
    assert in_person.note == "Nộp tại Bộ phận Một cửa"
    assert [(d.name, d.form, d.copy_kind) for d in rec.documents] == [
        ("Tờ khai đăng ký", "Mau_01.docx", "original"),
        ("Bản sao giấy tờ tùy thân", None, "copy"),
    ]
    (law,) = rec.legal_basis
    assert (law.number, law.title, law.date, law.issuer) == (
        "01/2020/QH14", "Luật thử nghiệm", date(2020, 6, 21), "Quốc Hội")
    assert rec.conditions == [] and rec.result == "Giấy xác nhận"
    assert rec.url == "https://example.gov.vn/x"


def test_word_export_empty_time_cell_takes_the_valid_dossier_clause(tmp_path: Path) -> None:
    description = ("- Trường hợp hồ sơ không hợp lệ: Trong thời hạn 05 ngày làm việc, Sở thông báo."
                   "\n- Trường hợp hồ sơ hợp lệ: 30 ngày làm việc, kể từ ngày nhận đủ hồ sơ.")
    path = make_word_export(tmp_path / "9_999991.docx", time="", description=description)
    rec = parse_word_export(path)
    in_person, online = rec.channels
    assert (in_person.time.value, in_person.time.unit) == (30, TimeUnit.working_days)
    assert in_person.time.note == "Trường hợp hồ sơ hợp lệ: 30 ngày làm việc"
    assert rec.notes == ["channels[in_person].time: time cell empty; taken from the "
                         "description's clause for a valid dossier"]
    assert online.time is None  # its own description is empty: nothing is borrowed


def test_word_export_without_grid_is_read(tmp_path: Path) -> None:
    """The portal's files have no <w:tblGrid>; python-docx's Table API fails on them."""
    path = make_word_export(tmp_path / "src.docx")
    stripped = tmp_path / "9_999991.docx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(stripped, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                text = data.decode("utf-8")
                while "<w:tblGrid>" in text:
                    a = text.index("<w:tblGrid>")
                    text = text[:a] + text[text.index("</w:tblGrid>", a) + len("</w:tblGrid>"):]
                data = text.encode("utf-8")
            dst.writestr(item, data)
    assert b"tblGrid" not in zipfile.ZipFile(stripped).read("word/document.xml")
    assert len(parse_word_export(stripped).channels) == 2


def test_word_export_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(RecordError, match="cannot read the Word file"):
        parse_word_export(bad)
    empty = tmp_path / "empty.docx"
    docx.Document().save(str(empty))
    with pytest.raises(RecordError, match="no 'Mã thủ tục'"):
        parse_word_export(empty)


def test_defence_ministry_json(tmp_path: Path) -> None:
    record = {
        "thu_tuc_id": "9.999993",
        "metadata": {"mã_thủ_tục": "9.999993", "tên_thủ_tục": "Thủ tục thử nghiệm quốc phòng",
                     "số_quyết_định": "Quyết định số 2/QĐ-TEST", "cấp_thực_hiện": "Cấp Xã",
                     "lĩnh_vực": "Thử nghiệm"},
        "content": {"trình_tự_thực_hiện": "Bước 1: nộp\nBước 2: nhận",
                    "cơ_quan_thực_hiện": "Không có thông tin",
                    "cơ_quan_có_thẩm_quyền": "Ban Chỉ huy quân sự cấp xã"},
        "tables": {
            "hinh_thuc_nop": [
                {"hinh_thuc": "Trực tiếp", "thoi_han_giai_quyet": "0 Giờ", "phi_le_phi": "",
                 "mo_ta": "Trong thời hạn 03 ngày làm việc kể từ ngày nhận đủ hồ sơ"},
                {"hinh_thuc": "Dịch vụ bưu chính", "thoi_han_giai_quyet": "Không quy định",
                 "phi_le_phi": "Phí : 0 Đồng", "mo_ta": ""}],
            "thanh_phan_ho_so": [{"ten_giay_to": "Đơn đề nghị", "so_luong": "",
                                  "ghi_chu": "Bản chính: 1\nBản sao: 0"}],
            "can_cu_phap_ly": [{"so_ky_hieu": "12", "trich_yeu": "Quyết định số 12/2021/QĐ-TTg "
                                "ngày 24/3/2021", "ngay_ban_hanh": "24-03-2021"}],
        },
    }
    path = tmp_path / "9.999993.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    rec = parse_bqp_json(path)
    assert (rec.code, rec.name, rec.decision) == ("9.999993", "Thử nghiệm quốc phòng", "2/QĐ-TEST")
    assert rec.agency == "Ban Chỉ huy quân sự cấp xã" and rec.levels == ["cấp xã"]
    in_person, postal = rec.channels
    assert (in_person.time.value, in_person.time.unit) == (3, TimeUnit.working_days)
    assert rec.notes == ["channels[in_person].time: time cell empty; taken from the description, "
                         "which opens with it"]
    assert postal.time is None and postal.fee.free
    assert [b.number for b in rec.legal_basis] == ["12/2021/QĐ-TTg"]
    assert rec.documents[0].copy_kind == "original"
