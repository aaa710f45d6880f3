"""Cross-check of the JSON crawl against the Word exports: definitions and causes."""

from __future__ import annotations

from indexer.catalog.schema import Channel, ChannelKind, ProcessingTime, TimeUnit
from indexer.portal.crosscheck import cross_check, per_channel_agreement, time_cause
from indexer.portal.record import PortalRecord

WD, D = TimeUnit.working_days, TimeUnit.days
IN, ON, POST = ChannelKind.in_person, ChannelKind.online, ChannelKind.postal


def rec(source: str, *rows: tuple[ChannelKind, float | None, TimeUnit | None],
        decision: str = "1/QĐ-TEST", code: str = "9.999990") -> PortalRecord:
    channels = [Channel(kind=k, time=None if u is None else ProcessingTime(value=v, unit=u))
                for k, v, u in rows]
    return PortalRecord(code=code, source=source, path=f"{source}/{code}", decision=decision,
                        channels=channels)


def test_per_channel_compares_only_kinds_both_give_a_time() -> None:
    flat = rec("dvc-json", (IN, 5, WD), (ON, 5, WD))
    word = rec("dvc-docx", (IN, 5, WD), (POST, 5, WD))
    assert per_channel_agreement(flat, word) is True
    assert per_channel_agreement(flat, rec("dvc-docx", (IN, 7, WD))) is False
    # an extra row for the same kind is a different set of times, not agreement
    assert per_channel_agreement(flat, rec("dvc-docx", (IN, 5, WD), (IN, 3, WD))) is False
    # no kind with a time on both sides: not comparable (None), never counted as agreement
    assert per_channel_agreement(flat, rec("dvc-docx", (IN, None, None))) is None
    assert per_channel_agreement(flat, rec("dvc-docx", (POST, 5, WD))) is None


def test_units_are_not_converted() -> None:
    flat = rec("dvc-json", (IN, 5, WD))
    assert per_channel_agreement(flat, rec("dvc-docx", (IN, 5, D))) is False
    assert time_cause(flat, rec("dvc-docx", (IN, 5, D))) == "unit_differs_only"


def test_time_causes() -> None:
    flat = rec("dvc-json", (IN, 5, WD), (ON, 5, WD))
    assert time_cause(rec("dvc-json", (IN, None, None)), flat) == "json_states_no_time"
    assert time_cause(flat, rec("dvc-docx", (IN, None, None))) == "docx_states_no_time"
    assert time_cause(flat, rec("dvc-docx", (IN, 5, WD))) == "channel_rows_differ"
    assert time_cause(flat, rec("dvc-docx", (IN, 5, WD), (IN, 3, WD), (ON, 5, WD))
                      ) == "one_lists_more_times"
    assert time_cause(flat, rec("dvc-docx", (IN, 10, WD), decision="2/QĐ-TEST")
                      ) == "different_decision"
    assert time_cause(flat, rec("dvc-docx", (IN, 10, WD), decision="Quyết định số 1/qđ-test")
                      ) == "same_decision_value_differs"


def test_cross_check_counts_both_definitions_and_the_same_decision_slice() -> None:
    by_code = {
        # strict and per channel agree
        "9.000001": [rec("dvc-json", (IN, 5, WD)), rec("dvc-docx", (IN, 5, WD))],
        # per channel agrees, strict does not (online only in the crawl)
        "9.000002": [rec("dvc-json", (IN, 5, WD), (ON, 2, WD)), rec("dvc-docx", (IN, 5, WD))],
        # both state nothing: strict counts it as agreement, per channel as not comparable
        "9.000003": [rec("dvc-json", (IN, None, None)), rec("dvc-docx", (IN, None, None))],
        # a different decision with a different time
        "9.000004": [rec("dvc-json", (IN, 5, WD)),
                     rec("dvc-docx", (IN, 9, WD), decision="3/QĐ-TEST")],
        # no Word export: not an overlapping code
        "9.000005": [rec("dvc-json", (IN, 5, WD))],
    }
    check = cross_check(by_code)
    summary = check.summary()
    assert summary["overlapping_codes"] == 4
    assert (summary["time_agree"], summary["time_both_missing"]) == (2, 1)
    assert (summary["channel_time_comparable"], summary["channel_time_agree"]) == (3, 2)
    assert summary["channel_time_agree_rate_of_all"] == 0.5
    assert summary["same_decision"]["codes"] == 3
    assert summary["same_decision"]["channel_time_agree"] == 2
    assert summary["time_disagreement_causes"] == {"channel_rows_differ": 1,
                                                   "different_decision": 1}
    assert summary["same_decision_time_disagreement_causes"] == {"channel_rows_differ": 1}
    assert [d["time_cause"] for d in check.disagreements] == ["channel_rows_differ",
                                                              "different_decision"]
