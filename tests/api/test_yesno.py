"""Yes/no questions: "Có." / "Không." / "Danh mục không ghi rõ." decided from the record only."""

from __future__ import annotations

import pytest

from api.schemas.answer import AnswerRequest
from api.services import yesno
from api.services.composer import AnswerComposer, ComposerSettings
from api_fakes import VARIANT_KNOWLEDGE, FakeSearcher
from indexer.catalog.schema import Channel, ChannelKind, Fee, ProcessingTime, TimeUnit

BASE = FakeSearcher()
VARIANTS = FakeSearcher(VARIANT_KNOWLEDGE)


def verdict(searcher: FakeSearcher, pid: str, aspect: str, text: str) -> str:
    return yesno.decide(searcher.procedure(pid), aspect, text, "1022").value


@pytest.mark.parametrize(("text", "expected"), [
    ("có mất phí không", "no"),
    ("co ton tien khong", "no"),
    ("có phải nộp lệ phí không", "no"),
    ("có miễn phí không", "yes"),  # the polarity of the question
    ("được miễn lệ phí không", "yes"),
])
def test_fee_free(text: str, expected: str) -> None:
    assert verdict(BASE, "dang-ky-ket-hon", "fee", text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("có mất phí không", "yes"), ("có miễn phí không", "no")])
def test_fee_amount(text: str, expected: str) -> None:
    assert verdict(VARIANTS, "cap-doi-the-can-cuoc", "fee", text) == expected


def test_fee_text_only_or_mixed_is_unknown() -> None:
    assert verdict(BASE, "dang-ky-khai-tu", "fee", "có mất phí không") == "unknown"
    proc = BASE.procedure("dang-ky-ket-hon").model_copy(deep=True)
    proc.channels[1].fee = Fee(amount_vnd=50000)  # one channel free, one paid
    assert yesno.decide(proc, "fee", "có mất phí không", "1022").value == "unknown"
    proc.channels[1].fee = None  # one channel not verified: "Không" is not certain
    assert yesno.decide(proc, "fee", "có mất phí không", "1022").value == "unknown"


def test_online_and_postal() -> None:
    assert verdict(BASE, "dang-ky-khai-sinh", "online", "nộp online được không") == "yes"
    assert verdict(BASE, "dang-ky-ket-hon", "online", "nộp online được không") == "unknown"
    assert verdict(BASE, "dang-ky-ket-hon", "place", "nộp qua bưu điện được không") == "yes"
    assert verdict(BASE, "dang-ky-khai-sinh", "place", "gửi qua bưu điện được không") == "unknown"
    assert verdict(VARIANTS, "cap-doi-the-can-cuoc", "result",
                   "có gửi kết quả qua bưu điện không") == "yes"


def test_online_url_alone_is_not_an_online_channel() -> None:
    proc = BASE.procedure("dang-ky-ket-hon").model_copy(deep=True)
    proc.online_url = "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/x"
    assert yesno.decide(proc, "online", "làm online được không", "1022").value == "unknown"
    proc.channels.append(Channel(kind=ChannelKind.online))
    assert yesno.decide(proc, "online", "làm online được không", "1022").value == "yes"


@pytest.mark.parametrize(("text", "expected"), [
    ("có cần giấy chứng sinh không", "yes"),
    ("co can giay chung sinh ko", "yes"),
    ("có cần tờ khai không", "yes"),
    ("có cần giấy khai sinh không", "unknown"),  # 2 of 3 words of "Tờ khai đăng ký khai sinh"
    ("có cần sổ hộ khẩu không", "unknown"),  # not listed: never "Không" for documents
    ("có cần ảnh không", "unknown"),
])
def test_documents(text: str, expected: str) -> None:
    assert verdict(BASE, "dang-ky-khai-sinh", "documents", text) == expected


def test_document_match_threshold() -> None:
    assert yesno.document_overlap("bản sao công chứng", "bản sao có chứng thực") == 0.75
    assert yesno.document_overlap("giấy khai sinh", "Tờ khai đăng ký khai sinh") < \
        yesno.DOCUMENT_MATCH <= 0.75
    assert yesno.document_overlap("ảnh", "Bản dịch tiếng Anh") == 0.0  # accents count
    assert yesno.document_overlap("anh", "02 ảnh chân dung") == 1.0  # typed without accents


def test_same_day() -> None:
    proc = BASE.procedure("dang-ky-ket-hon").model_copy(deep=True)
    assert yesno.decide(proc, "time", "có lấy ngay trong ngày không", "1022").value == "unknown"
    for ch in proc.channels:
        ch.time = ProcessingTime(unit=TimeUnit.same_day)
    assert yesno.decide(proc, "time", "có lấy ngay trong ngày không", "1022").value == "yes"
    assert yesno.decide(proc, "time", "có lâu không", "1022").value == "unknown"


@pytest.mark.parametrize("aspect", ["conditions", "who", "deadline", "validity", "steps"])
def test_other_aspects_are_unknown(aspect: str) -> None:
    assert verdict(VARIANTS, "dang-ky-khai-sinh", aspect, "có được không") == "unknown"


def compose(searcher: FakeSearcher, **kw: object):  # type: ignore[no-untyped-def]
    return AnswerComposer(searcher, ComposerSettings()).compose(AnswerRequest(**kw))


def test_yes_no_answer_starts_with_the_verdict_then_field_and_citation() -> None:
    a = compose(BASE, text="đăng ký kết hôn có mất phí không")
    assert a.question_form == "yes_no" and a.verdict == "no" and a.aspect == "fee"
    assert a.text.startswith("Không. Theo danh mục, thủ tục Đăng ký kết hôn được miễn phí")
    assert "- Nộp trực tiếp: miễn phí" in a.text
    assert a.citation is not None and a.text.endswith(a.citation.label)


def test_unknown_verdict_keeps_the_field_and_hotline() -> None:
    a = compose(BASE, text="đăng ký kết hôn làm online được không")
    assert a.verdict == "unknown"
    assert a.text.startswith("Danh mục không ghi rõ. ")
    assert "chưa ghi nhận hình thức nộp trực tuyến" in a.text and "1022" in a.text


def test_yes_no_without_aspect_cue_asks_about_a_document() -> None:
    a = compose(BASE, text="khai sinh có cần giấy chứng sinh không")
    assert a.aspect == "documents" and a.verdict == "yes"
    assert a.text.startswith("Có. Hồ sơ thủ tục Đăng ký khai sinh có: Giấy chứng sinh")


def test_carried_procedure_yes_no() -> None:
    a = compose(BASE, text="có miễn phí không", procedure_id="dang-ky-ket-hon")
    assert a.procedure is not None and a.procedure.id == "dang-ky-ket-hon"
    assert a.verdict == "yes" and a.text.startswith("Có.")


def test_no_verdict_for_other_questions_or_clarifications() -> None:
    a = compose(BASE, text="đăng ký kết hôn lệ phí bao nhiêu")
    assert a.question_form == "question" and a.verdict is None
    assert not a.text.startswith(("Có.", "Không.", "Danh mục không ghi rõ."))
    b = compose(BASE, text="khai có mất phí không")  # two procedures, no choice made
    assert b.status == "clarify" and b.verdict is None and b.question_form == "yes_no"
    c = compose(BASE, text="kiểm thử bãi bỏ có mất phí không")
    assert c.status == "abolished" and c.verdict is None
