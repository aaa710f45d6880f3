"""The flattened JSON crawl, on hand-written strings that mimic its defects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.catalog.schema import ChannelKind, TimeUnit
from indexer.portal.flat import (
    CHANNEL_HEADER,
    parse_channels,
    parse_documents,
    parse_flat_json,
    parse_legal_basis,
)
from indexer.portal.record import RecordError

H = CHANNEL_HEADER


def test_full_triples_with_fee_note_and_description() -> None:
    text = (H + "Trực tuyến7 Ngày làm việc10,000 Việt Nam Đồng(10.000 đồng/hồ sơ)Nộp qua Cổng"
            "Trực tiếp7 Ngày làm việcMiễn phí")
    channels, notes = parse_channels(text, [])
    assert notes == []
    online, in_person = channels
    assert online.kind is ChannelKind.online
    assert (online.time.value, online.time.unit) == (7, TimeUnit.working_days)
    assert (online.fee.amount_vnd, online.fee.text) == (10_000, "10.000 đồng/hồ sơ")
    assert online.note == "Nộp qua Cổng"
    assert in_person.kind is ChannelKind.in_person
    assert in_person.fee.free and in_person.note is None


def test_lost_unit_is_taken_from_the_record_text() -> None:
    text = H + "Trực tuyến5Miễn phíDịch vụ bưu chính5Miễn phí"
    steps = "Trong thời hạn 05 (năm) ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ"
    channels, notes = parse_channels(text, [steps])
    assert [c.kind for c in channels] == [ChannelKind.online, ChannelKind.postal]
    for channel in channels:
        assert (channel.time.value, channel.time.unit) == (5, TimeUnit.working_days)
        assert channel.time.note is None and channel.note is None  # citizens see no remark
    assert notes == [f"channels[{kind}].time: unit not in the portal table; taken from the "
                     "procedure text ('5 ngày làm việc')" for kind in ("online", "postal")]


def test_lost_unit_without_evidence_leaves_the_time_empty() -> None:
    channels, notes = parse_channels(H + "Trực tuyến1Miễn phí", ["trong ngày làm việc tiếp theo"])
    assert channels[0].time is None
    assert channels[0].note is None  # the remark is for maintainers, not in the citizen's note
    assert notes == ["channels[online].time: the portal record gives 1 without a unit of time "
                     "(a bare 1 is usually a placeholder; no unit is taken from the steps)"]


def test_bare_one_takes_no_unit_from_an_intermediate_deadline() -> None:
    steps = "Trong thời hạn 01 (một) ngày làm việc kể từ ngày nhận hồ sơ, cơ quan tiếp nhận chuyển"
    channels, notes = parse_channels(H + "Trực tiếp1Miễn phí", [steps])
    assert channels[0].time is None
    assert "gives 1 without a unit" in notes[0]
    # any other bare number still takes the unit its own record gives it
    channels, notes = parse_channels(H + "Trực tiếp2Miễn phí", [steps.replace("01 (một)", "02")])
    assert (channels[0].time.value, channels[0].time.unit) == (2, TimeUnit.working_days)


def test_time_glued_to_fee_is_split_only_when_the_note_names_the_amount() -> None:
    glued = H + "Trực tuyến3100 VNĐ(Phí công bố: 100.000 đồng/lần)"
    channels, _ = parse_channels(glued, ["Thời hạn 03 ngày làm việc"])
    assert channels[0].fee.amount_vnd == 100
    assert (channels[0].time.value, channels[0].time.unit) == (3, TimeUnit.working_days)
    # a glued bare 1 is split from the fee but, like any bare 1, gets no unit
    channels, notes = parse_channels(glued.replace("3100", "1100"), ["Thời hạn 01 ngày làm việc"])
    assert channels[0].fee.amount_vnd == 100 and channels[0].time is None
    assert "gives 1 without a unit" in notes[0]
    ambiguous, notes = parse_channels(H + "Trực tuyến120,000 VNĐ", [])
    assert ambiguous[0].time is None and ambiguous[0].fee is None


def test_missing_time_and_free_text_time() -> None:
    text = (H + "Trực tiếpKhông có thông tinKhông có thông tin15 ngày làm việc kể từ ngày nhận"
            "Trực tuyếnKhông phải trả kết quả cho người nộp thuếMiễn phíQua Cổng")
    (in_person, online), notes = parse_channels(text, [])
    assert (in_person.time.value, in_person.time.unit) == (15, TimeUnit.working_days)
    assert in_person.time.note == "15 ngày làm việc kể từ ngày nhận"  # quoted from the record
    assert notes == ["channels[in_person].time: time cell empty; taken from the description, "
                     "which opens with it"]
    assert in_person.fee is None
    assert online.time is None and online.fee.free


def test_description_mentioning_a_channel_is_not_a_new_channel() -> None:
    text = H + "Trực tuyến3 NgàyMiễn phí+ Trực tiếp: nộp tại Bộ phận Một cửa"
    channels, _ = parse_channels(text, [])
    assert len(channels) == 1
    assert channels[0].note == "+ Trực tiếp: nộp tại Bộ phận Một cửa"


def test_documents() -> None:
    text = ("* Giấy tờ phải nộp:Tên giấy tờMẫu đơn, tờ khaiSố lượngTờ khai đăng ký theo mẫu"
            "Mau_01.docx1 bản chínhGiấy chứng nhận cũ0 bản chính,1 bản sao"
            "- Giấy tờ phải xuất trình:0 bản chính"
            "Văn bản theo Nghị định số 56/2023/NĐ-CP ngày 24/07/20231 bản chính")
    docs = parse_documents(text)
    assert [(d.name, d.form, d.copy_kind, d.quantity) for d in docs] == [
        ("Tờ khai đăng ký theo mẫu", "Mau_01.docx", "original", 1),
        ("Giấy chứng nhận cũ", None, "copy", 1),
        ("Văn bản theo Nghị định số 56/2023/NĐ-CP ngày 24/07/2023", None, "original", 1),
    ]


def test_legal_basis() -> None:
    text = ("Tên văn bản pháp lýMã văn bảnLuật Hộ tịch60/2014/QH13Nghị định số 123/2015/NĐ-CP ngày "
            "15/11/2015 quy định chi tiết Luật Hộ tịch123/2015/NĐ-CPQuy chế ứng phó12/2021/QĐ-TTg"
            "Thông tư 85/2019/TT-BTC85/2019/TT-BTCLuật 65/2006/QH1165/2006/QH11"
            "Nghị quyết cắt giảm66.16/2026/NQ-CP Thông tư số 03/2024/TT-BTP ngày 15/5/2024 sửa "
            "đổi.03/2024/TT-BTP")
    found = [(b.number, b.title) for b in parse_legal_basis(text)]
    assert found == [
        ("60/2014/QH13", "Luật Hộ tịch"),
        ("123/2015/NĐ-CP", "Nghị định số 123/2015/NĐ-CP ngày 15/11/2015 quy định chi tiết "
                           "Luật Hộ tịch"),
        ("12/2021/QĐ-TTg", "Quy chế ứng phó"),
        ("85/2019/TT-BTC", "Thông tư 85/2019/TT-BTC"),
        ("65/2006/QH11", "Luật 65/2006/QH11"),
        ("66.16/2026/NQ-CP", "Nghị quyết cắt giảm"),
        ("03/2024/TT-BTP", "Thông tư số 03/2024/TT-BTP ngày 15/5/2024 sửa đổi."),
    ]


def _record(**overrides: str) -> dict[str, str]:
    record = {
        "ma_thu_tuc": "9.999991", "ten_thu_tuc": "Thủ tục đăng ký thử nghiệm",
        "so_quyet_dinh": "1/QĐ-TEST", "cap_thuc_hien": "Cấp tỉnh, Cấp xã",
        "linh_vuc": "Thử nghiệm", "doi_tuong_thuc_hien": "Công dân Việt Nam",
        "co_quan_thuc_hien": "Ủy ban\u00a0nhân dân cấp xã", "co_quan_co_tham_quyen": "",
        "trinh_tu_thuc_hien": "Bước 1: nộp hồ sơ\nBước 2: nhận kết quả",
        "cach_thuc_thuc_hien": H + "Trực tiếp3 Ngày làm việcMiễn phí",
        "thanh_phan_ho_so": "Tên giấy tờMẫu đơn, tờ khaiSố lượngTờ khai1 bản chính",
        "can_cu_phap_ly": "Tên văn bản pháp lýMã văn bảnLuật thử nghiệm01/2020/QH14",
        "yeu_cau_dieu_kien": "Không có thông tin",
        "ket_qua_xu_ly": "Giấy xác nhậnMã: KQ.G01.000001Từ khóaKhông có thông tinMô tả"
                         "Chọn cơ quan thực hiệnTỉnh/ Thành phốNộp hồ sơ",
        "detail_url": "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/x", "raw_text": "",
    }
    record.update(overrides)
    return record


def test_parse_flat_json(tmp_path: Path) -> None:
    path = tmp_path / "9.999991.json"
    path.write_text(json.dumps(_record(), ensure_ascii=False), encoding="utf-8")
    rec = parse_flat_json(path)
    assert (rec.code, rec.name, rec.decision) == ("9.999991", "Đăng ký thử nghiệm", "1/QĐ-TEST")
    assert rec.levels == ["cấp tỉnh", "cấp xã"]
    assert rec.agency == "Ủy ban nhân dân cấp xã"
    assert rec.steps == ["Bước 1: nộp hồ sơ", "Bước 2: nhận kết quả"]
    assert rec.conditions == []
    assert rec.result == "Giấy xác nhận"
    assert [d.name for d in rec.documents] == ["Tờ khai"]
    assert [b.number for b in rec.legal_basis] == ["01/2020/QH14"]
    assert rec.has_time


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "cannot read JSON"),
    (json.dumps({"ten_thu_tuc": "x"}), "no 'ma_thu_tuc'"),
])
def test_parse_flat_json_rejects_bad_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RecordError, match=message):
        parse_flat_json(path)
