"""Value parsers for portal records: times, fees, levels, names (hand-written inputs)."""

from __future__ import annotations

import pytest

from indexer.catalog.schema import ChannelKind, Fee, TimeUnit
from indexer.portal.values import (
    amount,
    channel_kind,
    clean,
    description_time,
    fee_amounts,
    leading_time,
    levels,
    parse_fee_cell,
    parse_time,
    procedure_name,
    unit_for_value,
    valid_dossier_time,
)


@pytest.mark.parametrize(("text", "value", "unit"), [
    ("05 Ngày làm việc", 5, TimeUnit.working_days),
    ("15 Ngày", 15, TimeUnit.days),
    ("8 Giờ", 8, TimeUnit.hours),
    ("3 Tháng", 3, TimeUnit.months),
    ("0,5 Ngày làm việc", 0.5, TimeUnit.working_days),
    ("Trong ngày cơ quan tiếp nhận yêu cầu hoặc trong ngày làm việc tiếp theo", None,
     TimeUnit.same_day),
    ("10 ngày làm việc, trường hợp phải xác minh thì không quá 15 ngày làm việc.", 10,
     TimeUnit.working_days),
])
def test_parse_time(text: str, value: float | None, unit: TimeUnit) -> None:
    time = parse_time(text)
    assert time is not None
    assert (time.value, time.unit) == (value, unit)


@pytest.mark.parametrize("text", ["", " ", "Không có thông tin", "Không quy định", "0 Giờ",
                                  "0 Ngày làm việc", "Theo hướng dẫn của trường."])
def test_parse_time_gives_nothing_when_no_time_is_stated(text: str) -> None:
    assert parse_time(text) is None


def test_free_text_time_keeps_the_text_as_note() -> None:
    time = parse_time("10 ngày làm việc, trường hợp phải xác minh thì không quá 15 ngày làm việc.")
    assert time is not None and time.note is not None and "xác minh" in time.note


@pytest.mark.parametrize(("text", "expected"), [
    ("15 ngày làm việc kể từ ngày nhận đủ hồ sơ", (15, TimeUnit.working_days)),
    ("Thời hạn giải quyết: 20 ngày", (20, TimeUnit.days)),
    ("- 05 (năm) ngày làm việc kể từ ngày nhận hồ sơ", (5, TimeUnit.working_days)),
    ("1. Trường hợp hồ sơ không hợp lệ: Trong thời hạn 05 ngày làm việc", None),
    ("Nộp trực tiếp tại trụ sở", None),
])
def test_leading_time(text: str, expected: tuple[float, TimeUnit] | None) -> None:
    time = leading_time(text)
    assert (None if time is None else (time.value, time.unit)) == expected


INVALID = "- Trường hợp hồ sơ không hợp lệ: Trong thời hạn 05 ngày làm việc, cơ quan thông báo.\n"


@pytest.mark.parametrize(("text", "expected"), [
    (INVALID + "- Trường hợp hồ sơ hợp lệ: Trong thời hạn 25 ngày làm việc, kể từ ngày nhận đủ",
     (25, TimeUnit.working_days)),
    (INVALID + "- Trường hợp hợp lệ: 30 ngày làm việc, kể từ ngày nhận đủ hồ sơ.",
     (30, TimeUnit.working_days)),
    ("2. Trường hợp hồ sơ hợp lệ: 70 ngày kể từ ngày nhận đủ hồ sơ", (70, TimeUnit.days)),
    # only the clause for an incomplete dossier: that is a notice, not the processing time
    (INVALID, None),
    # a compound time has no single value
    (INVALID + "2. Trường hợp hồ sơ hợp lệ: 30 ngày và 05 ngày làm việc, cụ thể:", None),
    ("Trong thời hạn 05 ngày làm việc kể từ ngày nhận hồ sơ hợp lệ", None),
    (None, None),
])
def test_valid_dossier_time(text: str | None, expected: tuple[float, TimeUnit] | None) -> None:
    time = valid_dossier_time(text)
    assert (None if time is None else (time.value, time.unit)) == expected
    if time is not None:  # the note quotes the portal's own clause, nothing else
        assert time.note.startswith("Trường hợp ") and time.note in text.replace("\n", " ")


@pytest.mark.parametrize(("text", "note", "remark"), [
    ("15 ngày làm việc kể từ ngày nhận đủ hồ sơ", "15 ngày làm việc kể từ ngày nhận đủ hồ sơ",
     "time cell empty; taken from the description, which opens with it"),
    (INVALID + "- Trường hợp hồ sơ hợp lệ: 25 ngày làm việc, kể từ ngày nhận đủ",
     "Trường hợp hồ sơ hợp lệ: 25 ngày làm việc",
     "time cell empty; taken from the description's clause for a valid dossier"),
])
def test_description_time_keeps_its_remark_out_of_the_note(text: str, note: str,
                                                           remark: str) -> None:
    time, why = description_time(text)
    assert time is not None and (time.note, why) == (note, remark)
    assert description_time("Nộp trực tiếp tại trụ sở") == (None, None)


def test_unit_for_value_reads_the_record_text() -> None:
    texts = ["Bước 2: Trong thời hạn 07 (bảy) ngày làm việc kể từ ngày nhận đủ hồ sơ",
             "số 7/2020/TT-BTP ngày 7 tháng 5"]
    assert unit_for_value(7, texts) is TimeUnit.working_days
    assert unit_for_value(3, texts) is None
    assert unit_for_value(1, ["trả kết quả trong ngày làm việc tiếp theo"]) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("2,000,000", 2_000_000), ("100.000", 100_000), ("50000", 50_000), ("15000đ", 15_000),
    ("1.5", None), ("abc", None),
])
def test_amount(text: str, expected: int | None) -> None:
    assert amount(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("", None),
    ("Phí : 0 Đồng", Fee(free=True)),
    ("Lệ phí : 50000 Đồng (50.000 đồng/lần)",
     Fee(amount_vnd=50000, text="Lệ phí : 50000 Đồng (50.000 đồng/lần)")),
    ("Phí :  Đồng (Theo quy định của Bộ Tài chính)",
     Fee(text="Phí : Đồng (Theo quy định của Bộ Tài chính)")),
    ("Lệ phí : 20 USD (/lần)", Fee(text="Lệ phí : 20 USD (/lần)")),
    ("Phí : 2000000 Đồng Phí : 4000000 Đồng",
     Fee(text="Phí : 2000000 Đồng Phí : 4000000 Đồng")),
])
def test_parse_fee_cell(text: str, expected: Fee | None) -> None:
    assert parse_fee_cell(text) == expected


def test_fee_amounts_ignore_dates_and_document_numbers() -> None:
    fee = Fee(text="Phí : 2000000 Đồng (Thông tư số 64/2025/TT-BTC ngày 30/6/2025); "
                   "thêm 500.000 đồng/lần")
    assert fee_amounts(fee) == {2_000_000, 500_000}
    assert fee_amounts(Fee(free=True)) == frozenset()
    assert fee_amounts(None) == frozenset()


@pytest.mark.parametrize(("text", "expected"), [
    ("Cấp bộ, Cấp tỉnh, Cấp xã", ["cấp trung ương", "cấp tỉnh", "cấp xã"]),
    ("Cấp Tỉnh", ["cấp tỉnh"]),
    ("Cơ quan khác", ["cơ quan khác"]),
    ("Cấp Huyện", []),
])
def test_levels(text: str, expected: list[str]) -> None:
    assert levels(text) == expected


@pytest.mark.parametrize(("raw", "name"), [
    ("Thủ tục đăng ký khai sinh", "Đăng ký khai sinh"),
    ("Đăng ký khai sinh", "Đăng ký khai sinh"),
    ("  thủ tục  cấp\u00a0lại thẻ   ", "Cấp lại thẻ"),
])
def test_procedure_name(raw: str, name: str) -> None:
    assert procedure_name(raw) == name


def test_clean_strips_tail_noise_and_nbsp() -> None:
    raw = "Trích lục\u00a0khai sinhChọn cơ quan thực hiệnTỉnh/ Thành phốNộp hồ sơ"
    assert clean(raw) == "Trích lục khai sinh"


def test_channel_kind_and_fold() -> None:
    assert channel_kind("Dịch vụ bưu chính") is ChannelKind.postal
    assert channel_kind("Trực tuyến") is ChannelKind.online
    assert channel_kind("Fax") is None
