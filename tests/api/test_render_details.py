"""Detail aspects (deadline, validity, who, forms, result): quoted from the record as written,
"Danh mục thủ tục chưa ghi …" plus the hotline when the record is silent."""

from __future__ import annotations

import re

import pytest

from api.services import record_quotes
from api.services.render_details import RENDERERS
from api_fakes import VARIANT_KNOWLEDGE, FakeSearcher
from indexer.catalog.schema import Procedure, ProcessingTime, TimeUnit

BASE = FakeSearcher()
VARIANTS = FakeSearcher(VARIANT_KNOWLEDGE)


def render(aspect: str, proc: Procedure) -> str:
    return RENDERERS[aspect](proc, "1022")


def test_clauses_keep_brackets_whole() -> None:
    assert record_quotes.clauses("Văn bản ủy quyền (khi nhờ người làm thay; phải chứng thực). "
                                 "Nộp tại xã; hoặc trực tuyến") == [
        "Văn bản ủy quyền (khi nhờ người làm thay; phải chứng thực).", "Nộp tại xã",
        "hoặc trực tuyến"]


def test_deadline_is_quoted_verbatim() -> None:
    proc = VARIANTS.procedure("dang-ky-khai-sinh")
    text = render("deadline", proc)
    clause = ("Cha hoặc mẹ có trách nhiệm đăng ký khai sinh cho con trong 60 ngày kể từ ngày "
              "sinh (Luật Hộ tịch, Điều 15).")
    assert clause in proc.conditions[0]
    assert f"- {clause}" in text
    assert "Thời hạn giải quyết của cơ quan" not in text  # the office's time is not mixed in


def test_deadline_from_steps_and_channel_notes() -> None:
    proc = VARIANTS.procedure("gia-han-tam-tru")
    quotes = record_quotes.deadlines(proc)
    assert [q.where for q in quotes] == ["conditions[0]", "steps[0]"]
    assert "15 ngày trước ngày hết thời hạn tạm trú" in quotes[0].text


def test_no_deadline_says_so_and_labels_the_processing_time() -> None:
    text = render("deadline", BASE.procedure("dang-ky-ket-hon"))
    assert text.startswith("Danh mục thủ tục chưa ghi thời hạn mà người dân phải thực hiện "
                           "thủ tục Đăng ký kết hôn.")
    assert ("Thời hạn giải quyết của cơ quan (không phải hạn của Anh/Chị):\n"
            "- Nộp trực tiếp: 5 ngày làm việc") in text
    assert "1022" in text


def test_processing_time_and_office_clauses_are_never_a_deadline() -> None:
    proc = BASE.procedure("dang-ky-ket-hon").model_copy(deep=True)
    proc.conditions = ["Không quá 45 ngày kể từ ngày thụ lý",
                       "Giấy có giá trị 6 tháng kể từ ngày cấp",
                       "ảnh chụp trong vòng 6 tháng"]
    proc.steps = ["Trong 5 ngày làm việc kể từ khi nhận hồ sơ, cơ quan chuyển tình trạng"]
    proc.channels[0].time = ProcessingTime(value=7, unit=TimeUnit.days,
                                           note="trong 07 ngày kể từ ngày kết thúc kỳ sát hạch")
    assert record_quotes.deadlines(proc) == []
    proc.conditions.append("Phải báo mất trong 02 ngày làm việc kể từ ngày phát hiện")
    assert [q.text for q in record_quotes.deadlines(proc)] == [
        "Phải báo mất trong 02 ngày làm việc kể từ ngày phát hiện"]


def test_validity_quoted_or_not_recorded() -> None:
    text = render("validity", VARIANTS.procedure("cap-giay-xac-nhan-tinh-trang-hon-nhan"))
    assert "- Giấy có giá trị 6 tháng kể từ ngày cấp (Nghị định 123/2015/NĐ-CP)." in text
    missing = render("validity", BASE.procedure("dang-ky-ket-hon"))
    assert missing.startswith("Danh mục thủ tục chưa ghi thời hạn sử dụng, giá trị kết quả của "
                              "thủ tục Đăng ký kết hôn.")
    assert "1022" in missing


def test_validity_ignores_laws_coming_into_force() -> None:
    proc = BASE.procedure("dang-ky-ket-hon").model_copy(deep=True)
    proc.status.note = "Luật Căn cước 26/2023/QH15 có hiệu lực từ 01/7/2024."
    assert record_quotes.validity(proc) == []


def test_who_with_representation() -> None:
    text = render("who", VARIANTS.procedure("dang-ky-khai-sinh"))
    assert text.startswith("Đối tượng thực hiện thủ tục Đăng ký khai sinh: Cha, mẹ, ông, bà")
    assert "Về người đại diện, ủy quyền, danh mục ghi:\n- Văn bản ủy quyền (Khi nhờ người " \
           "khác đi làm thay; phải chứng thực" in text
    only_who = render("who", BASE.procedure("dang-ky-khai-sinh"))
    assert "Danh mục thủ tục chưa ghi việc ủy quyền hoặc nộp thay" in only_who
    none = render("who", BASE.procedure("dang-ky-ket-hon"))
    assert none.startswith("Danh mục thủ tục chưa ghi đối tượng thực hiện thủ tục Đăng ký kết hôn")
    assert "1022" in none


def test_forms_listed_or_not_recorded() -> None:
    text = render("forms", VARIANTS.procedure("cap-lai-the-can-cuoc"))
    assert "- Phiếu đề nghị giải quyết thủ tục về căn cước: Mẫu DC02 (Thông tư 17/2024/TT-BCA)" \
        in text
    missing = render("forms", BASE.procedure("dang-ky-ket-hon"))
    assert missing.startswith("Danh mục thủ tục chưa ghi số hiệu mẫu đơn, tờ khai")
    assert "- Tờ khai đăng ký kết hôn theo mẫu" in missing and "1022" in missing
    assert not re.search(r"Mẫu [A-Z]{2}\d", missing)  # no invented form number


def test_result_with_how_it_is_received() -> None:
    text = render("result", VARIANTS.procedure("cap-doi-the-can-cuoc"))
    assert text.startswith("Kết quả thực hiện thủ tục Cấp đổi thẻ căn cước: Thẻ căn cước mới.\n")
    assert ".." not in text
    assert "- Nhận thẻ tại nơi làm thủ tục hoặc qua bưu chính theo địa chỉ đã đăng ký." in text
    assert "Giấy hẹn" not in text and "giấy hẹn" not in text  # the slip is not the result


def test_result_missing_keeps_the_postal_channel() -> None:
    text = render("result", BASE.procedure("dang-ky-ket-hon"))
    assert text.startswith("Danh mục thủ tục chưa ghi kết quả của thủ tục Đăng ký kết hôn.")
    assert "Danh mục có ghi hình thức qua dịch vụ bưu chính cho thủ tục này." in text
    assert "1022" in text
    khai_sinh = render("result", BASE.procedure("dang-ky-khai-sinh"))  # no postal channel
    assert "bưu chính" not in khai_sinh


@pytest.mark.parametrize("aspect", ["deadline", "validity", "who", "forms", "result"])
def test_every_detail_aspect_renders_every_fixture(aspect: str) -> None:
    for searcher in (BASE, VARIANTS):
        for proc in searcher.catalog.procedures:
            assert proc.name in render(aspect, proc)
