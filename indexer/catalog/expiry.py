"""Facts with a time limit: temporary fee rates and abolitions, judged on a given date.

``validate`` turns these into warnings (``file: field: message``) that a maintainer acts on
ahead of the date; they never make the catalogue invalid unless ``validate --strict``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from indexer.catalog.schema import Fee, Procedure

WARN_DAYS = 60  # days ahead of a temporary fee's end date that validate warns

def _fees(proc: Procedure) -> Iterator[tuple[str, Fee]]:
    for i, ch in enumerate(proc.channels):
        if ch.fee is not None:
            yield f"channels.{i}.fee", ch.fee
    for i, override in enumerate(proc.province_overrides):
        if override.fee is not None:
            yield f"province_overrides.{i}.fee", override.fee


def _vnd(fee: Fee) -> str:
    if fee.free:
        return "free of charge"
    return f"{fee.amount_vnd:,} VND" if fee.amount_vnd is not None else f"'{fee.text}'"


_DMY = r"(\d{1,2})/(\d{1,2})/(\d{4})"
_UNTIL = re.compile(r"đến\s+hết\s+(?:ngày\s+)?" + _DMY, re.IGNORECASE)


def stated_end(text: str | None) -> date | None:
    """The one end date a fee text states ("… đến hết ngày 31/12/2026"), or None (no date,
    several different ones, or not a real date)."""
    ends = set()
    for d, m, y in _UNTIL.findall(text or ""):
        try:
            ends.add(date(int(y), int(m), int(d)))
        except ValueError:
            return None
    return ends.pop() if len(ends) == 1 else None


def fee_warnings(proc: Procedure, *, today: date, warn_days: int = WARN_DAYS
                 ) -> list[tuple[str, str]]:
    """(field path, message) for each temporary fee rate that has ended or ends within
    ``warn_days`` of ``today``, including one stated only in the fee text."""
    found = []
    for where, fee in _fees(proc):
        if fee.valid_until is None:
            end = stated_end(fee.text)
            if end is not None and (end - today).days <= warn_days:
                found.append((f"{where}.text",
                              f"the fee text says the rate applies until {end.isoformat()} but "
                              "valid_until is not set, so answers keep giving it as current; "
                              "set valid_from/valid_until (and the standard rate if stated)"))
            continue
        left = (fee.valid_until - today).days
        after = ("answers give the standard rate the record states"
                 if fee.standard_amount_vnd is not None else
                 "the record states no standard amount, so answers say the rate changed and "
                 "give the hotline")
        if left < 0:
            found.append((f"{where}.valid_until",
                          f"EXPIRED: the temporary rate {_vnd(fee)} ended on "
                          f"{fee.valid_until.isoformat()} ({-left} days ago); {after}. "
                          "Update the fee from the current legal text"))
        elif left <= warn_days:
            found.append((f"{where}.valid_until",
                          f"the temporary rate {_vnd(fee)} ends on {fee.valid_until.isoformat()} "
                          f"(in {left} days); after that {after}. Check the rate that follows"))
    return found



def status_warnings(proc: Procedure, *, today: date) -> list[tuple[str, str]]:
    """An abolition dated after ``today``: search and answers already call it abolished."""
    when = proc.status.effective_date
    if proc.is_current or when is None or when <= today:
        return []
    return [("status.effective_date",
             f"abolished from {when.isoformat()}, a date still to come: search and answers "
             "already treat it as abolished (\"đã bị bãi bỏ\"); record the abolition on that "
             "date")]
