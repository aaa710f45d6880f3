"""Families of near-duplicate procedures: the chosen variant is named and the others offered."""

from __future__ import annotations

import json

from api.schemas.answer import AnswerRequest
from api.services.composer import AnswerComposer, ComposerSettings
from api.services.families import Families, families_for, families_of, name_key
from api_fakes import VARIANT_KNOWLEDGE, FakeSearcher

SEARCHER = FakeSearcher(VARIANT_KNOWLEDGE)
FAMILIES = Families.build(SEARCHER.catalog.procedures)


def compose(**kw: object):  # type: ignore[no-untyped-def]
    return AnswerComposer(SEARCHER, ComposerSettings()).compose(AnswerRequest(**kw))


def test_name_key_drops_variant_markers_and_the_leading_verb() -> None:
    assert name_key("Đăng ký lại khai sinh") == ("khai sinh", frozenset({"dang ky lai"}))
    assert name_key("Đăng ký khai sinh có yếu tố nước ngoài")[0] == "khai sinh"
    assert name_key("Xóa đăng ký tạm trú") == ("tam tru", frozenset({"xoa"}))
    assert name_key("Cấp lại thẻ căn cước")[0] == name_key("Cấp đổi thẻ căn cước")[0]


def test_families_of_the_fixture_catalogue() -> None:
    groups = {tuple(sorted(m)) for m in FAMILIES.members.values()}
    assert groups == {
        ("cap-doi-the-can-cuoc", "cap-lai-the-can-cuoc"),
        ("dang-ky-khai-sinh", "dang-ky-khai-sinh-co-yeu-to-nuoc-ngoai", "dang-ky-lai-khai-sinh"),
        ("dang-ky-tam-tru", "gia-han-tam-tru", "xoa-dang-ky-tam-tru"),
    }
    assert "dang-ky-thuong-tru" not in FAMILIES.members  # its own family of one
    assert not FAMILIES.related("dang-ky-khai-sinh", "lien-thong-khai-sinh-thuong-tru-bhyt-tre-"
                                                     "duoi-6-tuoi")


def test_families_are_built_once_per_catalogue_version() -> None:
    first = families_of(SEARCHER.procedures)
    assert families_of(SEARCHER.procedures) is first
    assert families_for(SEARCHER) is first
    assert families_of(dict(SEARCHER.procedures)) is not first  # a reload brings a new mapping
    assert families_for(object()) is None  # a searcher that lists no procedures


def test_names_variant() -> None:
    assert FAMILIES.names_variant("cấp lại căn cước mất bao lâu", "cap-lai-the-can-cuoc")
    assert FAMILIES.names_variant("đăng ký khai sinh cần gì", "dang-ky-khai-sinh")
    assert not FAMILIES.names_variant("khai sinh mất bao lâu", "dang-ky-khai-sinh")
    assert not FAMILIES.names_variant("tạm trú cần giấy tờ gì", "dang-ky-tam-tru")
    assert FAMILIES.names_variant("gia hạn tạm trú cần gì", "gia-han-tam-tru")


def test_unnamed_variant_is_named_and_siblings_offered() -> None:
    a = compose(text="tạm trú cần giấy tờ gì")
    assert a.status == "answer" and a.procedure is not None
    assert a.procedure.id == "dang-ky-tam-tru"
    assert a.text.startswith("Em trả lời theo thủ tục: Đăng ký tạm trú.\nHồ sơ thủ tục")
    ids = [c.id for c in a.candidates]
    assert sorted(ids) == ["gia-han-tam-tru", "xoa-dang-ky-tam-tru"]
    payload = a.candidates[0].payload
    assert json.loads(payload[len("/choose_procedure"):]) == {"procedure_id": ids[0]}
    assert [p.id for p in a.procedures] == ["dang-ky-tam-tru"]


def test_named_variant_gets_siblings_but_no_hedge() -> None:
    a = compose(text="cấp lại thẻ căn cước mẫu tờ khai")
    assert a.procedure is not None and a.procedure.id == "cap-lai-the-can-cuoc"
    assert not a.text.startswith("Em trả lời theo thủ tục")
    assert [c.id for c in a.candidates] == ["cap-doi-the-can-cuoc"]


def test_close_hits_of_one_family_answer_instead_of_asking() -> None:
    # "thẻ căn cước" scores both variants within the clarify margin: they are one family, so
    # the first is answered, named, and the other offered
    hits = SEARCHER.search("thẻ căn cước cần giấy tờ gì").hits
    assert hits[0].confidence - hits[1].confidence < ComposerSettings().clarify_margin
    a = compose(text="thẻ căn cước cần giấy tờ gì")
    assert a.status == "answer" and a.procedure is not None
    assert a.text.startswith(f"Em trả lời theo thủ tục: {a.procedure.name}.")
    assert len(a.candidates) == 1


def test_carried_or_chosen_procedure_has_no_variant_buttons() -> None:
    a = compose(text="lệ phí bao nhiêu", procedure_id="dang-ky-tam-tru")
    assert a.candidates == [] and not a.text.startswith("Em trả lời")
    b = compose(text="", procedure_id="dang-ky-tam-tru", aspect="fee")
    assert b.candidates == []


def test_procedure_without_family_is_unchanged() -> None:
    a = compose(text="đăng ký thường trú cần giấy tờ gì")
    assert a.procedure is not None and a.procedure.id == "dang-ky-thuong-tru"
    assert a.candidates == [] and a.text.startswith("Hồ sơ thủ tục Đăng ký thường trú gồm:")
