"""Two procedures in one question: both answered, each with its own citation; more: ask."""

from __future__ import annotations

from api.schemas.answer import AnswerRequest
from api.services import multi
from api.services.composer import AnswerComposer, ComposerSettings
from api_fakes import VARIANT_KNOWLEDGE, FakeHit, FakeSearcher

VARIANTS = FakeSearcher(VARIANT_KNOWLEDGE)
LIEN_THONG = "lien-thong-khai-sinh-thuong-tru-bhyt-tre-duoi-6-tuoi"


def compose(searcher: FakeSearcher, **kw: object):  # type: ignore[no-untyped-def]
    return AnswerComposer(searcher, ComposerSettings()).compose(AnswerRequest(**kw))


def test_split_parts() -> None:
    assert multi.split_parts("thường trú và tạm trú cần giấy tờ gì") == [
        "thường trú", "tạm trú cần giấy tờ gì"]
    assert multi.split_parts("khai sinh với thường trú cho con") == [
        "khai sinh", "thường trú cho con"]
    assert multi.split_parts("khai sinh, thuong tru va tam tru") == [
        "khai sinh", "thuong tru", "tam tru"]
    assert multi.split_parts("đăng ký khai sinh, cần giấy tờ gì") == []  # one name only
    assert multi.split_parts("giấy tờ và lệ phí") == []


def test_carry_head() -> None:
    assert multi.carry_head("đăng ký thường trú", "tạm trú") == "đăng ký tạm trú"
    assert multi.carry_head("đăng ký thường trú", "cấp lại căn cước") == "cấp lại căn cước"
    assert multi.carry_head("thường trú", "tạm trú") == "tạm trú"


def test_covers() -> None:
    name = VARIANTS.procedure(LIEN_THONG).name
    assert multi.covers([name], ["đăng ký khai sinh", "đăng ký thường trú cho trẻ em"])
    assert not multi.covers(["Đăng ký khai sinh"], ["khai sinh", "khai tử"])
    assert not multi.covers(["Đăng ký tạm trú"], ["thường trú", "tạm trú"])


def test_two_procedures_are_answered_each_with_its_citation() -> None:
    a = compose(VARIANTS, text="thường trú và tạm trú cần giấy tờ gì")
    assert a.status == "answer" and a.aspect == "documents"
    assert [p.id for p in a.procedures] == ["dang-ky-thuong-tru", "dang-ky-tam-tru"]
    assert a.procedure is not None and a.procedure.id == "dang-ky-thuong-tru"
    assert a.text.startswith("Anh/Chị hỏi về hai thủ tục, em trả lời lần lượt:\n\n1. Hồ sơ "
                             "thủ tục Đăng ký thường trú gồm:")
    assert "\n\n2. Hồ sơ thủ tục Đăng ký tạm trú gồm:" in a.text
    assert a.text.count("\nNguồn: ") == 2
    assert "Nguồn: Đăng ký thường trú (mã 1.004222)" in a.text
    assert a.text.endswith(a.text.split("\n")[-1]) and "Nguồn: Đăng ký tạm trú" in \
        a.text.split("\n")[-1]
    assert a.citation is not None and a.citation.label.startswith("Nguồn: Đăng ký thường trú")
    assert a.verdict is None


def test_two_procedures_with_accents_off_and_comma() -> None:
    a = compose(VARIANTS, text="thuong tru, tam tru le phi bao nhieu")
    assert a.status == "answer" and a.aspect == "fee"
    assert {p.id for p in a.procedures} == {"dang-ky-thuong-tru", "dang-ky-tam-tru"}


def test_more_than_two_procedures_ask() -> None:
    a = compose(VARIANTS, text="thường trú, tạm trú và căn cước đổi cần gì")
    assert a.status == "clarify"
    assert a.text.startswith("Anh/Chị hỏi về nhiều thủ tục")
    assert [c.id for c in a.candidates] == ["dang-ky-thuong-tru", "dang-ky-tam-tru",
                                            "cap-doi-the-can-cuoc"]
    assert a.procedures == []


def test_only_one_confident_part_answers_as_before() -> None:
    a = compose(VARIANTS, text="đăng ký thường trú và hỏi thêm chút")
    assert a.status == "answer" and [p.id for p in a.procedures] == ["dang-ky-thuong-tru"]
    assert not a.text.startswith("Anh/Chị hỏi về hai thủ tục")


class OneNameSearcher(FakeSearcher):
    """The full text names the "Liên thông" procedure with high confidence (as the real engine
    does); the parts alone name khai sinh and thường trú."""

    def search(self, query, *, top_k=5, filters=None):  # type: ignore[no-untyped-def]
        result = super().search(query, top_k=top_k)
        if "liên thông" in query:
            p = self.procedure(LIEN_THONG)
            others = [FakeHit(h.procedure_id, h.name, h.code, h.score / 2, h.confidence / 2)
                      for h in result.hits if h.procedure_id != p.id]
            result.hits = [FakeHit(p.id, p.name, p.code, 0.95, 0.95), *others]
            result.abstain = False
        return result


def test_conjunction_inside_one_procedure_name_does_not_split() -> None:
    searcher = OneNameSearcher(VARIANT_KNOWLEDGE)
    text = "liên thông đăng ký khai sinh, đăng ký thường trú cho trẻ em dưới 6 tuổi cần gì"
    a = compose(searcher, text=text)
    assert a.status == "answer"
    assert [p.id for p in a.procedures] == [LIEN_THONG]
    assert not a.text.startswith("Anh/Chị hỏi về hai thủ tục")
    # the same words without the one confident name would split into two procedures
    b = compose(searcher, text="đăng ký khai sinh và đăng ký thường trú cần gì")
    assert {p.id for p in b.procedures} == {"dang-ky-khai-sinh", "dang-ky-thuong-tru"}


def test_base_catalogue_two_procedures() -> None:
    a = compose(FakeSearcher(), text="khai sinh và khai tử nộp ở đâu")
    assert a.status == "answer" and a.aspect == "place"
    assert [p.id for p in a.procedures] == ["dang-ky-khai-sinh", "dang-ky-khai-tu"]


class UnsureSecondPart(FakeSearcher):
    """The second part matches its procedure alone, but only at 0.6."""

    def search(self, query, *, top_k=5, filters=None):  # type: ignore[no-untyped-def]
        result = super().search(query, top_k=top_k)
        if "tạm trú" in query and "thường trú" not in query:
            result.hits = [FakeHit("dang-ky-tam-tru", "Đăng ký tạm trú", None, 0.6, 0.6)]
            result.abstain = False
        return result


def test_a_part_below_the_confirm_bar_is_not_answered_outright() -> None:
    sure = compose(VARIANTS, text="thường trú và tạm trú cần giấy tờ gì")
    assert len(sure.procedures) == 2  # both parts confident: both answered
    unsure = compose(UnsureSecondPart(VARIANT_KNOWLEDGE),
                     text="thường trú và tạm trú cần giấy tờ gì")
    assert len(unsure.procedures) <= 1
