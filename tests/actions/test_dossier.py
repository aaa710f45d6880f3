"""Dossier lookup: the form's checks, each API outcome, cancelling; the factor never stays."""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict

import httpx
import pytest

pytest.importorskip("rasa_sdk", reason="needs the Rasa environment (Python 3.10, rasa-sdk)")

from rasa_sdk import Tracker  # noqa: E402
from rasa_sdk.executor import CollectingDispatcher  # noqa: E402

from actions.dossier import (  # noqa: E402
    ActionDossierCancel,
    ActionDossierLookup,
    ValidateDossierForm,
    factor_digits,
    normalise_code,
)
from actions_fakes import (  # noqa: E402
    DOSSIER_CODE,
    DOSSIER_ERROR_STATUS,
    FakeApi,
    dossier_error_body,
    dossier_found_body,
    responses,
    slot_events,
)

pytestmark = pytest.mark.rasa

LoadTracker = Callable[..., Tracker]
PATH = "/v1/dossiers/lookup"


async def lookup(fake_api: FakeApi, dispatcher: CollectingDispatcher,
                 tracker: Tracker) -> Dict[str, Any]:
    events = await ActionDossierLookup(fake_api.client()).run(dispatcher, tracker, domain={})
    return slot_events(events)


def texts(dispatcher: CollectingDispatcher) -> list:
    return [m.get("text") for m in dispatcher.messages if m.get("text")]


# --- the form's checks --------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    "000.00.19.H12-250101-0001",
    "000.00.19.h12-250101-0001",
    " 000.00.19.H12 - 250101 - 0001 ",
    "hồ sơ 000.00.19.h12–250101–0001 đến đâu rồi",
])
def test_codes_in_the_national_format_are_normalised(raw: str) -> None:
    assert normalise_code(raw) == DOSSIER_CODE


@pytest.mark.parametrize("raw", ["12345", "000.00.19.H12-251399-0001", "H12-250101-0001",
                                 "thôi", None])
def test_other_text_is_not_a_code(raw: Any) -> None:
    assert normalise_code(raw) is None


@pytest.mark.parametrize("raw,digits", [("1234", "1234"), ("4 số cuối là 5678", "5678"),
                                        ("0912 345 678", "5678"), ("123", None), ("không", None)])
def test_the_factor_keeps_only_the_last_four_digits(raw: str, digits: Any) -> None:
    assert factor_digits(raw) == digits


def test_an_invalid_code_is_rejected_with_an_example(dispatcher: CollectingDispatcher,
                                                      load_tracker: LoadTracker) -> None:
    result = ValidateDossierForm().validate_dossier_code(
        "hồ sơ số 12345", dispatcher, load_tracker("tracker_dossier_factor"), {})
    assert result == {"dossier_code": None}
    assert responses(dispatcher) == ["utter_dossier_code_invalid"]


def test_a_valid_code_is_kept_normalised(dispatcher: CollectingDispatcher,
                                         load_tracker: LoadTracker) -> None:
    result = ValidateDossierForm().validate_dossier_code(
        "000.00.19.h12 - 250101 - 0001", dispatcher, load_tracker("tracker_dossier_factor"), {})
    assert result == {"dossier_code": DOSSIER_CODE}
    assert dispatcher.messages == []


def test_a_factor_without_four_digits_is_asked_again(dispatcher: CollectingDispatcher,
                                                     load_tracker: LoadTracker) -> None:
    result = ValidateDossierForm().validate_dossier_factor(
        "12", dispatcher, load_tracker("tracker_dossier_factor"), {})
    assert result == {"dossier_factor": None}
    assert responses(dispatcher) == ["utter_dossier_factor_invalid"]


# --- the lookup ---------------------------------------------------------------------------------

@pytest.mark.parametrize("status,late", [("processing", False), ("resolved_on_time", False),
                                         ("waiting_additional", False), ("refused", False)])
async def test_a_found_dossier_shows_the_api_text(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker,
    status: str, late: bool,
) -> None:
    fake_api.reply(PATH, dossier_found_body(status, text=f"Hồ sơ ... ({status})", late=late))
    slots = await lookup(fake_api, dispatcher, load_tracker("tracker_dossier_factor"))

    (body,) = fake_api.bodies(PATH)
    assert body == {"code": DOSSIER_CODE, "factor": "1234", "sender_id": "web-dossier-01",
                    "channel": "rest"}
    assert texts(dispatcher) == [f"Hồ sơ ... ({status})"]
    assert responses(dispatcher) == [None]  # no hotline offer when on time
    assert slots == {"dossier_code": None, "dossier_factor": None, "dossier_next": "done"}


async def test_a_late_dossier_shows_the_apology_text_and_offers_the_hotline(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker,
) -> None:
    text = "Hồ sơ ... trễ hẹn. Chúng tôi thành thật xin lỗi Anh/Chị."
    fake_api.reply(PATH, dossier_found_body("resolved_late", text=text, late=True,
                                            apology_issued=True))
    slots = await lookup(fake_api, dispatcher, load_tracker("tracker_dossier_factor"))
    assert texts(dispatcher)[0] == text
    assert responses(dispatcher) == [None, "utter_dossier_hotline_offer"]
    assert slots["dossier_factor"] is None and slots["dossier_next"] == "done"


@pytest.mark.parametrize("code,next_step,keeps_code,hotline", [
    ("not_verified", "ask_code", False, False),
    ("factor_required", "ask_factor", True, False),
    ("invalid_code", "ask_code", False, False),
    ("locked_out", "done", False, True),
    ("upstream_unavailable", "done", False, True),
])
async def test_each_lookup_error_shows_the_api_text_and_decides_what_to_ask_next(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker,
    code: str, next_step: str, keeps_code: bool, hotline: bool,
) -> None:
    extra = {"remaining_attempts": 3} if code == "not_verified" else {}
    fake_api.reply(PATH, dossier_error_body(code, text=f"text for {code}", **extra),
                   status_code=DOSSIER_ERROR_STATUS[code])
    slots = await lookup(fake_api, dispatcher, load_tracker("tracker_dossier_factor"))

    assert texts(dispatcher) == [f"text for {code}"]
    assert ("utter_dossier_hotline_offer" in responses(dispatcher)) is hotline
    assert slots["dossier_next"] == next_step
    assert slots["dossier_code"] == (DOSSIER_CODE if keeps_code else None)
    assert slots["dossier_factor"] is None


async def test_the_last_failed_verification_stops_asking_and_offers_the_hotline(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker,
) -> None:
    fake_api.reply(PATH, dossier_error_body("not_verified", remaining_attempts=0), 403)
    slots = await lookup(fake_api, dispatcher, load_tracker("tracker_dossier_factor"))
    assert slots["dossier_next"] == "done"
    assert responses(dispatcher)[-1] == "utter_dossier_hotline_offer"


@pytest.mark.parametrize("code,response", [
    ("not_verified", "utter_dossier_not_verified"),
    ("locked_out", "utter_dossier_locked_out"),
    ("upstream_unavailable", "utter_dossier_lookup_unavailable"),
])
async def test_an_error_without_text_uses_the_domain_wording(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker,
    code: str, response: str,
) -> None:
    fake_api.reply(PATH, dossier_error_body(code, text=None), DOSSIER_ERROR_STATUS[code])
    await lookup(fake_api, dispatcher, load_tracker("tracker_dossier_factor"))
    assert responses(dispatcher)[0] == response


@pytest.mark.parametrize("script", ["timeout", "down", "garbage", "generic_422"])
async def test_an_unreachable_or_broken_api_says_the_lookup_is_interrupted(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker, script: str,
) -> None:
    if script == "timeout":
        fake_api.fail(PATH, httpx.ReadTimeout("slow"))
    elif script == "down":
        fake_api.fail(PATH, httpx.ConnectError("refused"))
    elif script == "garbage":
        fake_api.raw(PATH, b"<html>", 200)
    else:
        fake_api.reply(PATH, {"detail": [{"loc": ["body", "code"]}]}, 422)
    slots = await lookup(fake_api, dispatcher, load_tracker("tracker_dossier_factor"))
    assert responses(dispatcher) == ["utter_dossier_lookup_unavailable"]
    assert slots == {"dossier_code": None, "dossier_factor": None, "dossier_next": "done"}


async def test_a_bad_code_in_the_slot_is_not_sent(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker,
) -> None:
    tracker = load_tracker("tracker_dossier_factor", slots={"dossier_code": "abc"})
    slots = await lookup(fake_api, dispatcher, tracker)
    assert fake_api.requests == []
    assert slots["dossier_next"] == "ask_code" and slots["dossier_factor"] is None


async def test_the_factor_is_never_logged(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    tracker = load_tracker("tracker_dossier_factor", slots={"dossier_factor": "0987654321"})
    fake_api.reply(PATH, dossier_error_body("not_verified", remaining_attempts=2), 403)
    fake_api.reply(PATH, dossier_found_body(text="Hồ sơ ..."))
    await lookup(fake_api, dispatcher, tracker)
    await lookup(fake_api, dispatcher, tracker)
    assert fake_api.bodies(PATH)[0]["factor"] == "4321"  # only the last 4 digits leave
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "actions.dossier.error" in logged
    assert "4321" not in logged and "0987654321" not in logged


async def test_cancel_forgets_code_and_factor_and_points_to_the_portal(
    dispatcher: CollectingDispatcher, load_tracker: LoadTracker,
) -> None:
    events = await ActionDossierCancel().run(dispatcher, load_tracker("tracker_dossier_factor"),
                                             domain={})
    assert responses(dispatcher) == ["utter_dossier_cancelled"]
    assert slot_events(events) == {"dossier_code": None, "requested_slot": None,
                                   "dossier_factor": None, "dossier_next": "done"}


def test_slots_cleared_by_the_last_lookup_are_asked_for_without_an_error(
    dispatcher: CollectingDispatcher, load_tracker: LoadTracker,
) -> None:
    # When the form starts again after not_verified, Rasa validates the slots the lookup
    # has just cleared; that must not tell the citizen their (untyped) input was wrong.
    form, tracker = ValidateDossierForm(), load_tracker("tracker_dossier_factor")
    assert form.validate_dossier_code(None, dispatcher, tracker, {}) == {"dossier_code": None}
    assert form.validate_dossier_factor(None, dispatcher, tracker, {}) == {"dossier_factor": None}
    assert dispatcher.messages == []


async def test_the_hashed_client_address_from_the_metadata_is_sent_with_the_lookup(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker,
) -> None:
    tracker = load_tracker("tracker_dossier_factor",
                           latest_message={"metadata": {"channel": "web", "client": "ab12cd"}})
    fake_api.reply(PATH, dossier_found_body(text="Hồ sơ ..."))
    await lookup(fake_api, dispatcher, tracker)
    without = load_tracker("tracker_dossier_factor", latest_message={"metadata": {}})
    fake_api.reply(PATH, dossier_found_body(text="Hồ sơ ..."))
    await lookup(fake_api, dispatcher, without)
    first, second = fake_api.bodies(PATH)
    assert first["client"] == "ab12cd"
    assert "client" not in second
