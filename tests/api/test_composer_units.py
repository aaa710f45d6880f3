"""AnswerComposer details that need a hand-made search result: FAQ answers and rendering."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from api.schemas.answer import AnswerRequest
from api.services.composer import AnswerComposer, ComposerSettings, quick_replies
from api.services.render import format_fee, format_time, vnd
from api_fakes import FakeHit, FakeSearcher
from indexer.catalog.schema import FaqEntry, Fee, ProcessingTime, Source, SourceKind, TimeUnit

FAQ = FaqEntry(
    id="faq-kiem-thu", question="Câu hỏi chung dùng để kiểm thử?",
    answer="Câu trả lời kiểm thử lấy nguyên văn từ mục hỏi đáp.", topic="kiểm thử",
    source=Source(kind=SourceKind.written_by_us, reference="Mục hỏi đáp kiểm thử",
                  url="https://example.org/hoi-dap", checked_at=date(2026, 11, 21)))


@dataclass
class FaqHit:
    faq_id: str
    confidence: float


@dataclass
class Result:
    abstain: bool
    aspect: str | None
    hits: list = field(default_factory=list)
    faq_answer: FaqHit | None = None


class FaqSearcher(FakeSearcher):
    def search(self, query, *, top_k=5, filters=None):  # type: ignore[no-untyped-def]
        return Result(abstain=True, aspect=None, faq_answer=FaqHit("faq-kiem-thu", 0.8))

    def faq(self, faq_id: str) -> FaqEntry:
        assert faq_id == FAQ.id
        return FAQ


def test_faq_answer_is_quoted_with_its_source() -> None:
    a = AnswerComposer(FaqSearcher(), ComposerSettings()).compose(AnswerRequest(text="hỏi chung"))
    assert a.status == "answer" and a.procedure is None
    assert a.text == ("Câu trả lời kiểm thử lấy nguyên văn từ mục hỏi đáp.\n"
                      "Nguồn: Mục hỏi đáp kiểm thử")
    assert a.citation is not None and a.citation.url == "https://example.org/hoi-dap"


def test_faq_is_not_used_for_a_carried_over_procedure() -> None:
    a = AnswerComposer(FaqSearcher(), ComposerSettings()).compose(
        AnswerRequest(text="lệ phí", aspect="fee", procedure_id="dang-ky-ket-hon"))
    assert a.procedure is not None and a.procedure.id == "dang-ky-ket-hon"


def test_formatting_helpers() -> None:
    assert vnd(1500000) == "1.500.000 đồng"
    assert format_fee(Fee(amount_vnd=50000)) == "50.000 đồng"
    assert format_fee(Fee(free=True, exemptions="x")) == "miễn phí. Miễn, giảm: x"
    assert format_time(ProcessingTime(unit=TimeUnit.same_day)) == "trong ngày"
    assert format_time(ProcessingTime(value=2.5, unit=TimeUnit.working_days)) == \
        "2,5 ngày làm việc"
    assert [q.payload for q in quick_replies("fee")] == [
        "/ask_documents", "/ask_processing_time", "/ask_place", "/ask_online"]


def test_channel_notes_go_with_their_aspect() -> None:
    from api.services.render import render_fee, render_time
    from indexer.catalog.schema import Procedure

    proc = FakeSearcher().procedure("dang-ky-ket-hon").model_copy(deep=True)
    proc.channels[0].note = "Mức thu 50.000 đồng khi nộp trực tiếp"
    proc.channels[1].note = "Trả kết quả trong 2 ngày làm việc"
    assert isinstance(proc, Procedure)
    time_text, fee_text = render_time(proc, "1022"), render_fee(proc, "1022")
    assert "Mức thu" not in time_text and "Trả kết quả trong 2 ngày" in time_text
    assert "Mức thu 50.000 đồng" in fee_text and "Trả kết quả" not in fee_text


class OverconfidentSearcher(FakeSearcher):
    """Always returns Đăng ký khai tử with high confidence (a search engine gone eager)."""

    def search(self, query, *, top_k=5, filters=None):  # type: ignore[no-untyped-def]
        result = super().search("đăng ký khai tử", top_k=top_k)
        result.aspect = "fee" if "phí" in query else result.aspect
        return result


def test_bare_follow_up_never_switches_procedure() -> None:
    c = AnswerComposer(OverconfidentSearcher(), ComposerSettings())
    a = c.compose(AnswerRequest(text="thế còn lệ phí bao nhiêu?", procedure_id="dang-ky-ket-hon"))
    assert a.procedure is not None and a.procedure.id == "dang-ky-ket-hon"
    b = c.compose(AnswerRequest(text="còn khai tử thì lệ phí sao", procedure_id="dang-ky-ket-hon"))
    assert b.procedure is not None and b.procedure.id == "dang-ky-khai-tu"


class TwoKhaiSinhSearcher(FakeSearcher):
    """The text names khai sinh, and two khai sinh procedures score the same."""

    def search(self, query, *, top_k=5, filters=None):  # type: ignore[no-untyped-def]
        result = super().search(query, top_k=top_k)
        if "khai sinh" in query:
            a = FakeHit("dang-ky-khai-sinh", "Đăng ký khai sinh", None, 0.9, 0.9)
            b = FakeHit("dang-ky-khai-tu", "Đăng ký khai tử", None, 0.88, 0.88)
            result.hits, result.abstain = [a, b], False
        return result


def test_naming_another_procedure_ambiguously_asks_instead_of_keeping_the_old_one() -> None:
    c = AnswerComposer(TwoKhaiSinhSearcher(), ComposerSettings())
    a = c.compose(AnswerRequest(text="khai sinh hết bao nhiêu tiền", aspect="fee",
                                procedure_id="dang-ky-ket-hon"))
    assert a.status == "clarify"
    assert [x.id for x in a.candidates] == ["dang-ky-khai-sinh", "dang-ky-khai-tu"]
    assert a.aspect == "fee"


class FixedConfidenceSearcher(FakeSearcher):
    """One khai sinh hit at a chosen confidence, well ahead of the next one."""

    def __init__(self, confidence: float) -> None:
        super().__init__()
        self.confidence = confidence

    def search(self, query, *, top_k=5, filters=None):  # type: ignore[no-untyped-def]
        result = super().search(query, top_k=top_k)
        result.hits = [FakeHit("dang-ky-khai-sinh", "Đăng ký khai sinh", None, 1.0,
                               self.confidence),
                       FakeHit("dang-ky-khai-tu", "Đăng ký khai tử", None, 0.1, 0.05)]
        result.abstain = False
        return result


def test_a_new_question_below_the_confirm_bar_asks_the_citizen_to_confirm() -> None:
    settings = ComposerSettings(confirm_below=0.75)
    unsure = AnswerComposer(FixedConfidenceSearcher(0.7), settings).compose(
        AnswerRequest(text="làm giấy cho con mới đẻ"))
    assert unsure.status == "clarify"
    assert unsure.text.startswith("Em chưa chắc Anh/Chị hỏi về thủ tục nào.")
    assert [c.id for c in unsure.candidates] == ["dang-ky-khai-sinh", "dang-ky-khai-tu"]
    sure = AnswerComposer(FixedConfidenceSearcher(0.8), settings).compose(
        AnswerRequest(text="làm giấy cho con mới đẻ"))
    assert sure.status == "answer" and sure.procedure is not None
    # A carried procedure is answered whatever the confidence of the words.
    follow_up = AnswerComposer(FixedConfidenceSearcher(0.3), settings).compose(
        AnswerRequest(text="lệ phí bao nhiêu", aspect="fee", procedure_id="dang-ky-ket-hon"))
    assert follow_up.status == "answer" and follow_up.procedure.id == "dang-ky-ket-hon"


@dataclass
class NotServed:
    code: str
    name: str
    field: str
    score: float


@dataclass
class NotServedResult(Result):
    not_served: NotServed | None = None


class NotServedSearcher(FakeSearcher):
    """Every query's best match is a portal procedure that the profile does not serve."""

    def search(self, query, *, top_k=5, filters=None):  # type: ignore[no-untyped-def]
        return NotServedResult(abstain=True, aspect=None, not_served=NotServed(
            "1.000001", "Cấp thị thực cho người nước ngoài", "Xuất nhập cảnh", 0.9))


def test_a_procedure_the_province_does_not_serve_is_said_so_without_naming_a_neighbour() -> None:
    c = AnswerComposer(NotServedSearcher(), ComposerSettings(hotline="1022"))
    a = c.compose(AnswerRequest(text="xin cấp thị thực cho người nước ngoài ở đâu"))
    assert a.status == "abstain" and a.procedure is None
    assert "không thuộc danh mục thủ tục hành chính của tỉnh" in a.text
    assert "dichvucong.gov.vn" in a.text and "1022" in a.text
    assert "thị thực" not in a.text  # the matched record is not named


def test_chat_that_happens_to_match_an_unserved_record_gets_the_plain_abstention() -> None:
    c = AnswerComposer(NotServedSearcher(), ComposerSettings())
    a = c.compose(AnswerRequest(text="Chào buổi sáng!"))
    assert a.status == "abstain" and "không thuộc danh mục" not in a.text
