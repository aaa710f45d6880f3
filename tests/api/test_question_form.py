"""``question_form`` (yes/no, question, statement) and ``asked_object``, accents optional."""

from __future__ import annotations

import pytest

from api.services.question_form import asked_object, question_form


@pytest.mark.parametrize("text", [
    "Có phải nộp bản chính không?",
    "Đăng ký khai sinh có cần giấy chứng sinh không",
    "có được nộp qua bưu điện không ạ",
    "Làm online được không?",
    "khai sinh có mất phí không",
    "co can giay chung sinh ko",  # no accents, chat spelling
    "nop thay dc ko",
    "lam online duoc k",
    "nhờ người khác nộp thay dc k ạ",
    "Hồ sơ của tôi đã có kết quả chưa?",
    "xong chưa ạ",
    "Cấp lại căn cước là 35.000 đồng, phải không?",
    "dang ky lan dau co mat phi khong",  # "lan dau" is "lần đầu", not "đâu"
    "có cần bản sao không",  # "bản sao" is not "sao"
])
def test_yes_no(text: str) -> None:
    assert question_form(text) == "yes_no"


@pytest.mark.parametrize("text", [
    "Làm giấy khai sinh cần giấy tờ gì",
    "Đăng ký tạm trú nộp ở đâu",
    "lệ phí bao nhiêu",
    "mất bao lâu",
    "ai được làm thay",
    "làm sao để đăng ký kết hôn",
    "thủ tục ly hôn như thế nào",
    "cấp lại căn cước?",
    "có cần giấy tờ gì không",  # an interrogative word asks for the list
    "lam giay khai sinh can gi",
    "khai sinh o dau",
])
def test_question(text: str) -> None:
    assert question_form(text) == "question"


@pytest.mark.parametrize("text", ["", "   ", "đăng ký khai sinh", "tôi muốn làm căn cước",
                                  "cảm ơn", "tôi không có giấy chứng sinh"])
def test_statement(text: str) -> None:
    assert question_form(text) == "statement"


@pytest.mark.parametrize(("text", "obj"), [
    ("Có cần giấy chứng sinh không?", "giấy chứng sinh"),
    ("có phải nộp bản chính không ạ", "bản chính"),
    ("co can giay chung sinh ko", "giay chung sinh"),
    ("có cần mang theo sổ hộ khẩu không", "sổ hộ khẩu"),
    ("có cần có mặt không", None),  # an action, not a paper
    ("có mất phí không", None),
    ("lệ phí bao nhiêu", None),
])
def test_asked_object(text: str, obj: str | None) -> None:
    assert asked_object(text) == obj
