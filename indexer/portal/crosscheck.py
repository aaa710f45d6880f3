"""Compare time and fee for the codes present in both the JSON crawl and the Word exports.

Two definitions of time agreement are reported, both exact (no unit conversion, "ngày" is not
"ngày làm việc"):

- strict: the set of distinct times (value, unit) over all channels is the same in both records;
  two records that both state no time count as agreeing (``time_both_missing`` says how often).
- per channel: for every channel kind (in person, online, post) for which *both* records state a
  time, the kind's set of times is the same. A code where no channel kind has a time in both
  records is "not comparable": counted apart and never as agreement.

Fee: the set of amounts in VND the fees state (``values.fee_amounts``; empty when the record
states no amount: free, "theo quy định", or blank).

Every strict time disagreement gets one cause (``CAUSES``, first that applies).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from indexer.portal.record import PortalRecord
from indexer.portal.values import fee_amounts

Times = frozenset[tuple[float | None, str]]

CAUSES = (
    "json_states_no_time",  # the crawl has no time (bare number, "Không có thông tin", glued)
    "docx_states_no_time",  # the Word export has none ("Không quy định", "0 Giờ", blank)
    "channel_rows_differ",  # per-channel agreement holds; a channel or extra row is in one only
    "one_lists_more_times",  # per channel one set holds the other (extra "05 ngày" row)
    "unit_differs_only",  # same values per channel, different unit ("ngày" vs "ngày làm việc")
    "different_decision",  # both state different times and cite different decisions
    "same_decision_value_differs",  # both state different times under the same decision
)


def time_set(record: PortalRecord) -> Times:
    return frozenset((c.time.value, c.time.unit.value) for c in record.channels if c.time)


def kind_times(record: PortalRecord) -> dict[str, Times]:
    """Times stated per channel kind; kinds without a time are absent."""
    out: dict[str, set[tuple[float | None, str]]] = {}
    for c in record.channels:
        if c.time:
            out.setdefault(c.kind.value, set()).add((c.time.value, c.time.unit.value))
    return {k: frozenset(v) for k, v in out.items()}


def per_channel_agreement(a: PortalRecord, b: PortalRecord) -> bool | None:
    """True/False over the channel kinds both records give a time for; None if there are none."""
    ta, tb = kind_times(a), kind_times(b)
    shared = ta.keys() & tb.keys()
    if not shared:
        return None
    return all(ta[k] == tb[k] for k in shared)


def _values_only(times: dict[str, Times]) -> dict[str, frozenset[float | None]]:
    return {k: frozenset(v for v, _ in t) for k, t in times.items()}


def fee_set(record: PortalRecord) -> frozenset[int]:
    """Every amount in VND stated for any channel; empty when none is (free or not stated)."""
    return frozenset().union(*(fee_amounts(c.fee) for c in record.channels))


def decision_key(decision: str) -> str:
    """ "Quyết định số 163/QĐ-BTP" and "163/qđ-btp" compare equal."""
    text = re.sub(r"^\s*(?:quyết định\s+)?(?:số\s+)?", "", decision, flags=re.IGNORECASE)
    return re.sub(r"\s+", "", text).upper()


def time_cause(flat: PortalRecord, word: PortalRecord) -> str:
    """Why the strict time comparison of two records of one code fails (first cause applying)."""
    if not time_set(flat):
        return "json_states_no_time"
    if not time_set(word):
        return "docx_states_no_time"
    if per_channel_agreement(flat, word):
        return "channel_rows_differ"
    fk, wk = kind_times(flat), kind_times(word)
    shared = fk.keys() & wk.keys()
    if shared and all(fk[k] <= wk[k] or wk[k] <= fk[k] for k in shared):
        return "one_lists_more_times"
    fv, wv = _values_only(fk), _values_only(wk)
    if shared and all(fv[k] == wv[k] for k in shared):
        return "unit_differs_only"
    if decision_key(flat.decision) != decision_key(word.decision):
        return "different_decision"
    return "same_decision_value_differs"


@dataclass
class Slice:
    """Counts over one set of codes (all overlapping codes, or those citing the same decision)."""

    codes: int = 0
    time_agree: int = 0  # strict
    channel_comparable: int = 0
    channel_agree: int = 0
    fee_agree: int = 0
    both_agree: int = 0  # strict time and fee
    channel_and_fee_agree: int = 0  # per-channel time (comparable) and fee

    def summary(self) -> dict[str, object]:
        return {
            "codes": self.codes,
            "time_agree": self.time_agree,
            "time_agree_rate": _ratio(self.time_agree, self.codes),
            "channel_time_comparable": self.channel_comparable,
            "channel_time_agree": self.channel_agree,
            "channel_time_agree_rate_of_comparable": _ratio(self.channel_agree,
                                                            self.channel_comparable),
            "channel_time_agree_rate_of_all": _ratio(self.channel_agree, self.codes),
            "fee_agree": self.fee_agree,
            "fee_agree_rate": _ratio(self.fee_agree, self.codes),
            "time_and_fee_agree": self.both_agree,
            "time_and_fee_agree_rate": _ratio(self.both_agree, self.codes),
            "channel_time_and_fee_agree": self.channel_and_fee_agree,
            "channel_time_and_fee_agree_rate_of_all": _ratio(self.channel_and_fee_agree,
                                                             self.codes),
        }


def _ratio(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0


@dataclass
class CrossCheck:
    overall: Slice = field(default_factory=Slice)
    same_decision: Slice = field(default_factory=Slice)  # the two records cite one decision
    time_both_missing: int = 0
    time_one_missing: int = 0
    causes: Counter[str] = field(default_factory=Counter)
    same_decision_causes: Counter[str] = field(default_factory=Counter)
    disagreements: list[dict[str, object]] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        out = {"overlapping_codes": self.overall.codes, **self.overall.summary()}
        del out["codes"]
        out.update({
            "time_both_missing": self.time_both_missing,
            "time_one_side_missing": self.time_one_missing,
            "same_decision": self.same_decision.summary(),
            "time_disagreement_causes": dict(self.causes.most_common()),
            "same_decision_time_disagreement_causes": dict(self.same_decision_causes.most_common()),
        })
        return out


def _count(slice_: Slice, flat: PortalRecord, words: list[PortalRecord]) -> None:
    ft, ff = time_set(flat), fee_set(flat)
    slice_.codes += 1
    # a code exported by two ministries agrees when either export agrees
    slice_.time_agree += any(time_set(w) == ft for w in words)
    slice_.fee_agree += any(fee_set(w) == ff for w in words)
    slice_.both_agree += any(time_set(w) == ft and fee_set(w) == ff for w in words)
    per = [per_channel_agreement(flat, w) for w in words]
    slice_.channel_comparable += any(p is not None for p in per)
    slice_.channel_agree += any(p is True for p in per)
    slice_.channel_and_fee_agree += any(p is True and fee_set(w) == ff
                                        for p, w in zip(per, words))


def cross_check(by_code: dict[str, list[PortalRecord]]) -> CrossCheck:
    check = CrossCheck()
    for code in sorted(by_code):
        records = by_code[code]
        flat = next((r for r in records if r.source == "dvc-json"), None)
        words = [r for r in records if r.source == "dvc-docx"]
        if flat is None or not words:
            continue
        _count(check.overall, flat, words)
        same = [w for w in words if decision_key(w.decision) == decision_key(flat.decision)]
        if same:
            _count(check.same_decision, flat, same)
        flat_time = time_set(flat)
        if not flat_time and not any(time_set(w) for w in words):
            check.time_both_missing += 1
        elif not flat_time or not all(time_set(w) for w in words):
            check.time_one_missing += 1
        time_ok = any(time_set(w) == flat_time for w in words)
        if not time_ok:
            word = (same or words)[0]
            cause = time_cause(flat, word)
            check.causes[cause] += 1
            if same:
                check.same_decision_causes[cause] += 1
        if not (time_ok and any(fee_set(w) == fee_set(flat) for w in words)):
            word = (same or words)[0]
            check.disagreements.append({
                "code": code, "json_decision": flat.decision, "docx_decision": word.decision,
                "json_time": sorted(map(str, flat_time)),
                "docx_time": sorted(map(str, time_set(word))),
                "json_fee": sorted(map(str, fee_set(flat))),
                "docx_fee": sorted(map(str, fee_set(word))),
                "time_cause": None if time_ok else time_cause(flat, word),
            })
    return check
