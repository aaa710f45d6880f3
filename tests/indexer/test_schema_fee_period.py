"""A temporary fee rate carries its period and the standard rate; the index text never calls it
current (passages are built offline and outlive the date)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from indexer.catalog.loader import load_catalog
from indexer.catalog.schema import Fee
from indexer.catalog.expiry import stated_end
from indexer.passages import format_fee, procedure_passages

REPO = Path(__file__).resolve().parents[2]
END = date(2026, 12, 31)
TEMPORARY = Fee(amount_vnd=35000, text="thu bằng 50%", valid_from=date(2025, 7, 1),
                valid_until=END, standard_amount_vnd=70000, standard_text="mức quy định")


def test_old_fee_blocks_stay_valid_and_are_not_temporary() -> None:
    fee = Fee.model_validate({"amount_vnd": 50000, "text": "x"})
    assert not fee.is_temporary and fee.in_force(date(2099, 1, 1))
    assert fee.applicable(date(2099, 1, 1)) is fee


@pytest.mark.parametrize("data, message", [
    ({"amount_vnd": 1, "valid_from": "2026-02-01", "valid_until": "2026-01-01"},
     "valid_from is after valid_until"),
    ({"amount_vnd": 1, "standard_amount_vnd": 2}, "a standard rate needs"),
    ({"amount_vnd": 1, "standard_text": "theo Thông tư"}, "a standard rate needs"),
    ({"amount_vnd": 1, "valid_until": "2026-12-31", "standard_amount_vnd": -1}, "greater than"),
])
def test_bad_periods_are_rejected(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Fee.model_validate(data)


def test_period_is_inclusive_and_the_standard_rate_follows() -> None:
    assert TEMPORARY.in_force(date(2025, 7, 1)) and TEMPORARY.in_force(END)
    assert not TEMPORARY.in_force(date(2025, 6, 30))
    assert not TEMPORARY.expired(END) and TEMPORARY.expired(date(2027, 1, 1))
    assert TEMPORARY.applicable(END) is TEMPORARY
    after = TEMPORARY.applicable(date(2027, 1, 1))
    assert after is not None and (after.amount_vnd, after.text) == (70000, "mức quy định")
    assert not after.is_temporary
    unstated = Fee(amount_vnd=50000, valid_until=END)
    assert unstated.applicable(date(2027, 1, 1)) is None  # not known from the record


def test_passage_fee_text_states_the_period_not_a_current_rate() -> None:
    assert format_fee(TEMPORARY) == (
        "35.000 đồng (thu bằng 50%), áp dụng từ 01/07/2025 đến hết ngày 31/12/2026; "
        "mức thu ngoài thời gian này: 70.000 đồng (mức quy định)")
    assert format_fee(Fee(free=True, valid_until=END)) == \
        "miễn phí, áp dụng đến hết ngày 31/12/2026"
    assert format_fee(Fee(amount_vnd=100000)) == "100.000 đồng"


def test_curated_reductions_carry_their_period() -> None:
    """The re-issue of a citizen ID card: 35.000 đồng from 01/7/2025 to 31/12/2026 (Thông tư
    64/2025/TT-BTC), 70.000 đồng as the standard rate (khoản 2 Điều 24 Luật Căn cước)."""
    catalog = load_catalog(REPO / "knowledge")
    proc = catalog.by_id["cap-lai-the-can-cuoc"]
    fee = proc.channels[0].fee
    assert fee is not None
    assert (fee.amount_vnd, fee.valid_from, fee.valid_until, fee.standard_amount_vnd) == (
        35000, date(2025, 7, 1), END, 70000)
    assert "64/2025/TT-BTC" in (fee.text or "")
    assert "Luật Căn cước" in (fee.standard_text or "")
    passage = next(p for p in procedure_passages(proc) if p.aspect == "fee")
    assert "35.000 đồng" in passage.text and "đến hết ngày 31/12/2026" in passage.text
    assert "70.000 đồng" in passage.text
    temporary = [p.id for p in catalog.procedures for ch in p.channels
                 if ch.fee is not None and ch.fee.valid_until is not None]
    # The 64/2025 reductions (two ID cards, three company registrations) and the earlier
    # online reductions (driving licences until 31/12/2025, passport until 31/12/2023).
    assert sorted(set(temporary)) == [
        "cap-doi-the-can-cuoc", "cap-giay-phep-lai-xe-quoc-te",
        "cap-ho-chieu-pho-thong-o-trong-nuoc",
        "cap-lai-giay-phep-lai-xe", "cap-lai-the-can-cuoc", "dang-ky-thanh-lap-cong-ty-co-phan",
        "dang-ky-thanh-lap-cong-ty-tnhh-hai-thanh-vien",
        "dang-ky-thanh-lap-cong-ty-tnhh-mot-thanh-vien", "doi-giay-phep-lai-xe"]
    # No fee text still hides an end date outside valid_until.
    assert [p.id for p in catalog.procedures for ch in p.channels
            if ch.fee is not None and ch.fee.valid_until is None
            and stated_end(ch.fee.text) is not None] == []
    for p in catalog.procedures:
        for ch in p.channels:
            if ch.fee is not None and "50%" in f"{ch.fee.text}":
                assert ch.fee.valid_until == END, (p.id, ch.kind)
