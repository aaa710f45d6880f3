"""An imported fee whose text states one end date carries it as ``valid_until``."""

from __future__ import annotations

from datetime import date

from indexer.catalog.schema import Channel
from indexer.portal.build import _fee_periods


def channel(text: str | None, kind: str = "in_person") -> Channel:
    fee = None if text is None else {"text": text}
    return Channel.model_validate({"kind": kind, "fee": fee})


def test_one_stated_end_date_becomes_valid_until() -> None:
    text = "Thu bằng 50% mức quy định từ ngày 01/7/2025 đến hết ngày 31/12/2026"
    (out,), remarks = _fee_periods([channel(text, "online")])
    assert out.fee is not None and out.fee.valid_until == date(2026, 12, 31)
    assert out.fee.text == text  # the portal's words are kept as they are
    assert remarks == ["channels[online].fee: valid_until 2026-12-31 taken from the end date "
                       "the fee text states"]


def test_no_date_two_dates_or_no_fee_change_nothing() -> None:
    texts = [None, "50.000 đồng/hồ sơ",
             "đến hết ngày 31/12/2025 thu 10.000 đồng; đến hết ngày 31/12/2026 thu 20.000 đồng"]
    out, remarks = _fee_periods([channel(t) for t in texts])
    assert [c.fee.valid_until if c.fee else None for c in out] == [None, None, None]
    assert remarks == []
