"""An abolished procedure is never answered as current, whatever is asked (fee, yes/no, two
procedures at once): the answer says it was abolished and names its replacement only when the
record does and the catalogue has it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from api.schemas.answer import AnswerRequest
from api.services.composer import AnswerComposer, ComposerSettings
from api_fakes import FIXTURE_KNOWLEDGE, FakeSearcher

ABOLISHED = "thu-tuc-kiem-thu-da-bai-bo"  # fixture: abolished 01/07/2025, replaced by khai sinh


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> FakeSearcher:
    """The API fixture catalogue plus two abolished test records with a fee: one without a
    replacement, one whose replacement id is not in the catalogue."""
    root = tmp_path_factory.mktemp("knowledge")
    shutil.copytree(FIXTURE_KNOWLEDGE, root, dirs_exist_ok=True)
    base = yaml.safe_load((root / "procedures" / f"{ABOLISHED}.yaml").read_text("utf-8"))
    for pid, name, replaced in (("thu-tuc-kiem-thu-khong-thay-the", "Thủ tục thử không thay thế",
                                 []),
                                ("thu-tuc-kiem-thu-thay-the-la", "Thủ tục thử thay thế lạ",
                                 ["khong-co-trong-danh-muc"])):
        data = {**base, "id": pid, "name": name, "aliases": [],
                "channels": [{"kind": "in_person", "fee": {"amount_vnd": 20000}}],
                "status": {"state": "abolished", "effective_date": "2025-07-01",
                           "replaced_by": replaced}}
        (root / "procedures" / f"{pid}.yaml").write_text(
            yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return FakeSearcher(root)


def ask(searcher: FakeSearcher, **kw: object):  # type: ignore[no-untyped-def]
    return AnswerComposer(searcher, ComposerSettings()).compose(AnswerRequest(**kw))


NONE = "thu-tuc-kiem-thu-khong-thay-the"


@pytest.mark.parametrize("kw", [
    {"text": "lệ phí bao nhiêu", "aspect": "fee", "procedure_id": NONE},
    {"text": "có mất phí không", "procedure_id": NONE},
    {"text": "thủ tục thử không thay thế có miễn phí không"},
    {"text": "", "aspect": "documents", "procedure_id": NONE},
])
def test_abolished_without_replacement_is_not_answered(searcher: FakeSearcher,
                                                       kw: dict[str, object]) -> None:
    a = ask(searcher, **kw)
    assert a.status == "abolished" and a.verdict is None
    assert a.text.startswith("Thủ tục Thủ tục thử không thay thế đã bị bãi bỏ từ ngày 01/07/2025.")
    assert "20.000" not in a.text and "Thủ tục thay thế" not in a.text
    assert "gọi tổng đài 1022 để biết thủ tục đang áp dụng" in a.text
    assert a.candidates == [] and a.quick_replies == []
    assert a.citation is not None and a.text.endswith(a.citation.label)


def test_unknown_replacement_is_not_named(searcher: FakeSearcher) -> None:
    a = ask(searcher, text="có mất phí không", procedure_id="thu-tuc-kiem-thu-thay-the-la")
    assert a.status == "abolished" and "khong-co-trong-danh-muc" not in a.text
    assert "Thủ tục thay thế" not in a.text and "1022" in a.text and a.candidates == []


def test_fee_question_names_the_recorded_replacement(searcher: FakeSearcher) -> None:
    a = ask(searcher, text="lệ phí", aspect="fee", procedure_id=ABOLISHED)
    assert a.status == "abolished" and "Thủ tục thay thế: Đăng ký khai sinh." in a.text
    assert [c.id for c in a.candidates] == ["dang-ky-khai-sinh"]


def test_two_procedure_answer_keeps_the_abolished_part_abolished(searcher: FakeSearcher) -> None:
    a = ask(searcher, text="đăng ký kết hôn và kiểm thử bãi bỏ lệ phí bao nhiêu")
    parts = a.text.split("\n\n")
    assert len(parts) == 3 and "Đăng ký kết hôn" in parts[1]
    assert "đã bị bãi bỏ từ ngày 01/07/2025" in parts[2] and "Phí, lệ phí" not in parts[2]
