"""A temporary fee (Thông tư 64/2025/TT-BTC reductions) is answered by date: with its period
while it applies; after its end date, as a rate that applied until then and has changed, with
the standard rate where the record states it. The date is injected, never the real one."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.deps import get_composer
from api.main import create_app
from api.schemas.answer import AnswerRequest
from api.services import yesno
from api.services.composer import AnswerComposer, ComposerSettings
from api.services.render import format_fee, render_fee
from api_fakes import SERVICE_HEADERS, FakeRasa, FakeSearcher, make_settings
from indexer.catalog.schema import Fee

REPO = Path(__file__).resolve().parents[2]
BEFORE, LAST_DAY, AFTER = date(2026, 12, 3), date(2026, 12, 31), date(2027, 1, 1)
CARD = "cap-lai-the-can-cuoc"  # 35.000 đồng until 31/12/2026, standard 70.000 đồng
COMPANY = "dang-ky-thanh-lap-cong-ty-co-phan"  # 50.000 đồng until 31/12/2026, no standard amount


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> FakeSearcher:
    """The curated records themselves (not frozen copies), so the test follows the data."""
    root = tmp_path_factory.mktemp("knowledge")
    (root / "procedures").mkdir()
    for pid in (CARD, COMPANY):
        shutil.copy(REPO / "knowledge" / "procedures" / f"{pid}.yaml", root / "procedures")
    return FakeSearcher(root)


def ask(searcher: FakeSearcher, today: date, **kw: object):  # type: ignore[no-untyped-def]
    return AnswerComposer(searcher, ComposerSettings(today=today)).compose(AnswerRequest(**kw))


def test_format_fee_by_date() -> None:
    fee = Fee(amount_vnd=35000, valid_from=date(2025, 7, 1), valid_until=LAST_DAY,
              standard_amount_vnd=70000, standard_text="mức quy định")
    assert format_fee(fee, today=BEFORE) == (
        "35.000 đồng, áp dụng từ 01/07/2025 đến hết ngày 31/12/2026; mức thu ngoài thời gian "
        "này: 70.000 đồng (mức quy định)")
    assert format_fee(fee, today=LAST_DAY) == format_fee(fee, today=BEFORE)
    assert format_fee(fee, today=AFTER) == (
        "Mức 35.000 đồng chỉ áp dụng đến hết ngày 31/12/2026 và nay đã thay đổi; mức thu theo "
        "quy định: 70.000 đồng (mức quy định)")
    bare = Fee(amount_vnd=35000, valid_until=LAST_DAY)
    assert format_fee(bare, today=AFTER) == (
        "Mức 35.000 đồng chỉ áp dụng đến hết ngày 31/12/2026 và nay đã thay đổi; danh mục chưa "
        "ghi mức thu hiện hành")
    future = Fee(amount_vnd=10000, valid_from=date(2027, 1, 1), standard_amount_vnd=20000)
    assert format_fee(future, today=BEFORE) == (
        "Mức 10.000 đồng chỉ áp dụng từ ngày 01/01/2027; mức thu theo quy định: 20.000 đồng")
    assert format_fee(Fee(amount_vnd=50000), today=AFTER) == "50.000 đồng"


def test_card_fee_before_the_end_gives_the_reduced_rate_and_until_when(
        searcher: FakeSearcher) -> None:
    text = render_fee(searcher.procedure(CARD), "1022", today=BEFORE)
    assert "- Nộp trực tiếp: 35.000 đồng (Thu bằng 50% mức quy định" in text
    assert "áp dụng từ 01/07/2025 đến hết ngày 31/12/2026" in text
    assert "mức thu ngoài thời gian này: 70.000 đồng" in text
    assert "đã thay đổi" not in text


def test_card_fee_after_the_end_gives_the_standard_rate(searcher: FakeSearcher) -> None:
    text = render_fee(searcher.procedure(CARD), "1022", today=AFTER)
    line = next(x for x in text.splitlines() if x.startswith("- Nộp trực tiếp"))
    assert line.startswith("- Nộp trực tiếp: Mức 35.000 đồng")
    assert "chỉ áp dụng đến hết ngày 31/12/2026 và nay đã thay đổi" in line
    assert "mức thu theo quy định: 70.000 đồng (mức quy định, khoản 2 Điều 24 Luật Căn cước)" \
        in line
    assert "Về số tiền phải nộp hiện nay" not in text  # the record gives the amount


def test_company_fee_after_the_end_says_changed_and_gives_the_hotline(
        searcher: FakeSearcher) -> None:
    text = render_fee(searcher.procedure(COMPANY), "1022", today=AFTER)
    assert "Mức 50.000 đồng" in text and "nay đã thay đổi" in text
    assert "mức thu theo quy định: theo Thông tư 47/2019/TT-BTC" in text
    assert text.endswith("Về số tiền phải nộp hiện nay, Anh/Chị vui lòng gọi tổng đài 1022 để "
                         "được hướng dẫn.")
    before = render_fee(searcher.procedure(COMPANY), "1022", today=BEFORE)
    assert "1022" not in before and "đến hết ngày 31/12/2026" in before


def test_yes_no_fee_verdict_by_date(searcher: FakeSearcher) -> None:
    proc = searcher.procedure(CARD)
    before = yesno.decide(proc, "fee", "có mất phí không", "1022", today=BEFORE)
    assert before.value == "yes"
    assert before.reason == ("Theo danh mục, thủ tục Cấp lại thẻ căn cước có thu phí, lệ phí "
                             "(35.000 đồng, áp dụng từ 01/07/2025 đến hết ngày 31/12/2026).")
    after = yesno.decide(proc, "fee", "có mất phí không", "1022", today=AFTER)
    assert after.value == "yes"
    assert after.reason == ("Theo danh mục, thủ tục Cấp lại thẻ căn cước có thu phí, lệ phí "
                            "(70.000 đồng). Mức 35.000 đồng chỉ áp dụng đến hết ngày 31/12/2026.")
    assert yesno.decide(proc, "fee", "có miễn phí không", "1022", today=AFTER).value == "no"


def test_yes_no_with_an_unstated_standard_rate_counts_only_known_channels() -> None:
    from indexer.catalog.schema import Channel, ChannelKind

    proc = FakeSearcher().procedure("dang-ky-ket-hon").model_copy(deep=True)
    proc.channels = [Channel(kind=ChannelKind.in_person,
                             fee=Fee(free=True, valid_until=LAST_DAY))]
    assert yesno.decide(proc, "fee", "có miễn phí không", "1022", today=BEFORE).value == "yes"
    late = yesno.decide(proc, "fee", "có miễn phí không", "1022", today=AFTER)
    assert late.value == "unknown"  # free until 31/12/2026, nothing recorded after


def test_composed_answer_uses_the_injected_date_and_keeps_the_citation(
        searcher: FakeSearcher) -> None:
    before = ask(searcher, BEFORE, text="cấp lại thẻ căn cước lệ phí bao nhiêu")
    after = ask(searcher, AFTER, text="cấp lại thẻ căn cước lệ phí bao nhiêu")
    assert before.status == after.status == "answer" and after.aspect == "fee"
    assert "đến hết ngày 31/12/2026" in before.text and "đã thay đổi" not in before.text
    assert "nay đã thay đổi" in after.text and "70.000 đồng" in after.text
    assert after.citation is not None and after.text.endswith(after.citation.label)
    assert after.citation == before.citation
    yes_no = ask(searcher, AFTER, text="có mất phí không", procedure_id=CARD)
    assert yes_no.verdict == "yes" and yes_no.text.startswith(
        "Có. Theo danh mục, thủ tục Cấp lại thẻ căn cước có thu phí, lệ phí (70.000 đồng).")


def test_http_answer_with_an_overridden_date(searcher: FakeSearcher, tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path), searcher_loader=lambda _d: searcher,
                     rasa_transport=FakeRasa("echo").transport())
    app.dependency_overrides[get_composer] = lambda: AnswerComposer(
        searcher, ComposerSettings(today=AFTER))
    with TestClient(app, headers=SERVICE_HEADERS) as client:
        resp = client.post("/v1/answer", json={"text": "", "procedure_id": CARD, "aspect": "fee"})
    assert resp.status_code == 200
    body = resp.json()
    assert "chỉ áp dụng đến hết ngày 31/12/2026 và nay đã thay đổi" in body["text"]
    assert body["text"].endswith(body["citation"]["label"])
