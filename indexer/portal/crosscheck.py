"""Compare time and fee for the codes present in both the JSON crawl and the Word exports.

For each code the set of distinct times (value, unit) over its channels is compared, and so is
the set of amounts in VND the fees state (``values.fee_amounts``; empty when the record states
no amount: free, "theo quy định", or blank). Two sources that both state no time agree; that case is counted on its own as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.portal.record import PortalRecord
from indexer.portal.values import fee_amounts


def time_set(record: PortalRecord) -> frozenset[tuple[float | None, str]]:
    return frozenset((c.time.value, c.time.unit.value) for c in record.channels if c.time)


def fee_set(record: PortalRecord) -> frozenset[int]:
    """Every amount in VND stated for any channel; empty when none is (free or not stated)."""
    return frozenset().union(*(fee_amounts(c.fee) for c in record.channels))


@dataclass
class CrossCheck:
    codes: int = 0
    time_agree: int = 0
    time_both_missing: int = 0
    time_one_missing: int = 0
    fee_agree: int = 0
    both_agree: int = 0
    same_decision: int = 0  # codes whose two records cite the same publishing decision
    same_decision_time_agree: int = 0
    same_decision_fee_agree: int = 0
    disagreements: list[dict[str, object]] = field(default_factory=list)

    def rate(self, count: int) -> float:
        return count / self.codes if self.codes else 0.0

    def summary(self) -> dict[str, object]:
        return {
            "overlapping_codes": self.codes,
            "time_agree": self.time_agree,
            "time_agree_rate": round(self.rate(self.time_agree), 4),
            "time_both_missing": self.time_both_missing,
            "time_one_side_missing": self.time_one_missing,
            "fee_agree": self.fee_agree,
            "fee_agree_rate": round(self.rate(self.fee_agree), 4),
            "time_and_fee_agree": self.both_agree,
            "time_and_fee_agree_rate": round(self.rate(self.both_agree), 4),
            "same_decision_codes": self.same_decision,
            "same_decision_time_agree_rate": _ratio(self.same_decision_time_agree,
                                                    self.same_decision),
            "same_decision_fee_agree_rate": _ratio(self.same_decision_fee_agree,
                                                   self.same_decision),
        }


def _ratio(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0


def decision_key(decision: str) -> str:
    """ "Quyết định số 163/QĐ-BTP" and "163/qđ-btp" compare equal."""
    text = re.sub(r"^\s*(?:quyết định\s+)?(?:số\s+)?", "", decision, flags=re.IGNORECASE)
    return re.sub(r"\s+", "", text).upper()


def _show(values: frozenset[object]) -> list[str]:
    return sorted(str(v) for v in values)


def cross_check(by_code: dict[str, list[PortalRecord]]) -> CrossCheck:
    check = CrossCheck()
    for code in sorted(by_code):
        records = by_code[code]
        flat = next((r for r in records if r.source == "dvc-json"), None)
        words = [r for r in records if r.source == "dvc-docx"]
        if flat is None or not words:
            continue
        check.codes += 1
        flat_time, flat_fee = time_set(flat), fee_set(flat)
        # a code exported by two ministries agrees when either export agrees
        time_ok = any(time_set(w) == flat_time for w in words)
        fee_ok = any(fee_set(w) == flat_fee for w in words)
        check.time_agree += time_ok
        check.fee_agree += fee_ok
        check.both_agree += any(
            time_set(w) == flat_time and fee_set(w) == flat_fee for w in words
        )
        same = [w for w in words if decision_key(w.decision) == decision_key(flat.decision)]
        if same:
            check.same_decision += 1
            check.same_decision_time_agree += any(time_set(w) == flat_time for w in same)
            check.same_decision_fee_agree += any(fee_set(w) == flat_fee for w in same)
        if not flat_time and not any(time_set(w) for w in words):
            check.time_both_missing += 1
        elif not flat_time or not all(time_set(w) for w in words):
            check.time_one_missing += 1
        if not (time_ok and fee_ok):
            check.disagreements.append({
                "code": code, "json_decision": flat.decision, "docx_decision": words[0].decision,
                "json_time": _show(flat_time), "docx_time": _show(time_set(words[0])),
                "json_fee": _show(flat_fee), "docx_fee": _show(fee_set(words[0])),
            })
    return check
