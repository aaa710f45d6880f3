"""Families of near-duplicate procedures: the chosen variant is named and the others offered."""

from __future__ import annotations

import json

from api.schemas.answer import AnswerRequest
from api.services.composer import FAMILY_LEAD, AnswerComposer, ComposerSettings
from api.services.families import (
    Families,
    by_level,
    display_names,
    families_for,
    families_of,
    level_rank,
    name_key,
)
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


def _twin_catalogue(tmp_path):  # type: ignore[no-untyped-def]
    """The variants fixture plus one procedure published at two levels under one name (the
    portal has many: a provincial and a commune record) and its re-issue variant. Test data
    only: no time or fee is stated."""
    import shutil

    import yaml

    root = tmp_path / "knowledge"
    shutil.copytree(VARIANT_KNOWLEDGE, root)
    name = "Cấp giấy chứng nhận cơ sở đủ điều kiện kinh doanh thử nghiệm"
    for pid, level, title in (("thu-nghiem-tinh", "cấp tỉnh", name),
                              ("thu-nghiem-xa", "cấp xã", name),
                              ("thu-nghiem-cap-lai", "cấp xã", "Cấp lại" + name[3:])):
        data = {"id": pid, "name": title, "field": "Thử nghiệm", "levels": [level],
                "agency": "Cơ quan thử nghiệm", "channels": [{"kind": "in_person"}],
                "updated_at": "2026-01-01",
                "source": {"kind": "written_by_us", "reference": "dữ liệu kiểm thử",
                           "checked_at": "2026-01-01"},
                "example_questions": ["a b c", "d e f", "g h i", "j k l", "m n o"]}
        (root / "procedures" / f"{pid}.yaml").write_text(
            yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return FakeSearcher(root)


def test_a_name_at_two_levels_asks_which_commune_first(tmp_path) -> None:  # type: ignore[no-untyped-def]
    searcher = _twin_catalogue(tmp_path)
    composer = AnswerComposer(searcher, ComposerSettings(clarify_margin=0.2))
    a = composer.compose(AnswerRequest(
        text="cấp giấy chứng nhận cơ sở đủ điều kiện kinh doanh thử nghiệm cần gì"))
    assert a.status == "clarify", a.text
    assert [c.id for c in a.candidates] == ["thu-nghiem-xa", "thu-nghiem-tinh"]
    assert [c.name.rsplit(" (", 1)[1] for c in a.candidates] == ["cấp xã)", "cấp tỉnh)"]
    assert a.text.startswith(FAMILY_LEAD)
    # a level in the question decides it
    b = composer.compose(AnswerRequest(
        text="cấp giấy chứng nhận cơ sở đủ điều kiện kinh doanh thử nghiệm ở cấp tỉnh cần gì"))
    assert b.status == "answer" and b.procedure is not None
    assert b.procedure.id == "thu-nghiem-tinh"
    # the re-issue variant is not among the choices unless "cấp lại" is said
    fam = families_of(searcher.procedures)
    assert fam.related("thu-nghiem-xa", "thu-nghiem-cap-lai")
    assert fam.fitting("giấy chứng nhận kinh doanh thử nghiệm",
                       ["thu-nghiem-xa", "thu-nghiem-cap-lai"]) == ["thu-nghiem-xa"]
    assert fam.fitting("cấp lại giấy chứng nhận kinh doanh thử nghiệm",
                       ["thu-nghiem-xa", "thu-nghiem-cap-lai"]) == ["thu-nghiem-cap-lai"]


def test_by_level_and_display_names() -> None:
    procs = [SEARCHER.procedure(i) for i in ("dang-ky-tam-tru", "gia-han-tam-tru")]
    assert display_names(procs) == {p.id: p.name for p in procs}  # distinct names unchanged
    assert [level_rank(p) for p in by_level(procs)] == sorted(level_rank(p) for p in procs)
