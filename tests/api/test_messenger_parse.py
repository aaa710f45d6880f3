"""Messenger event parsing and signature predicates (no server)."""

from __future__ import annotations

import hashlib
import hmac

from api.channels.inbound import InboundKind
from api.channels.messenger_webhook import (
    parse_body,
    parse_event,
    signature_valid,
    subscription_valid,
)

SECRET = "messenger-app-secret-for-tests"


def test_signature_is_hmac_sha256_of_raw_body() -> None:
    body = b'{"object":"page"}'
    good = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert signature_valid(f"sha256={good}", raw_body=body, app_secret=SECRET)
    assert signature_valid(f"SHA256={good.upper()}", raw_body=body, app_secret=SECRET)
    sha1 = hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest()
    assert not signature_valid(f"sha1={sha1}", raw_body=body, app_secret=SECRET)
    assert not signature_valid(good, raw_body=body, app_secret=SECRET)  # prefix required
    assert not signature_valid(f"sha256={good}", raw_body=body + b" ", app_secret=SECRET)


def test_subscription_needs_mode_and_token() -> None:
    assert subscription_valid(mode="subscribe", token="abc", expected="abc")
    assert not subscription_valid(mode="subscribe", token="abd", expected="abc")
    assert not subscription_valid(mode=None, token="abc", expected="abc")
    assert not subscription_valid(mode="subscribe", token=None, expected="abc")


def test_quick_reply_with_a_foreign_payload_sends_the_title() -> None:
    parsed = parse_event({"sender": {"id": "1"}, "message": {
        "mid": "m1", "text": "Có", "quick_reply": {"payload": "YES_PLEASE"}}})
    assert parsed is not None and parsed.payload is None and parsed.text == "Có"


def test_only_page_objects_are_read() -> None:
    event = {"sender": {"id": "1"}, "message": {"mid": "m1", "text": "xin chào"}}
    assert [m.text for m in parse_body({"object": "page", "entry": [{"messaging": [event]}]})] \
        == ["xin chào"]
    assert parse_body({"object": "user", "entry": [{"messaging": [event]}]}) == []
    assert parse_body({"object": "page", "entry": [{"messaging": "oops"}, 3]}) == []


def test_message_without_text_or_attachment_is_unsupported() -> None:
    parsed = parse_event({"sender": {"id": "1"}, "message": {"mid": "m2"}})
    assert parsed is not None and parsed.kind is InboundKind.unsupported
    assert parsed.attachment == "attachment"
