"""Zalo event parsing and signature predicates (no server)."""

from __future__ import annotations

import hashlib
import unicodedata

from api.channels.inbound import InboundKind
from api.channels.zalo_webhook import body_timestamp, parse_event, signature_valid

KEY = "zalo-oa-secret-key-for-tests"


def test_signature_matches_an_independent_computation() -> None:
    body = '{"event_name":"user_send_text","timestamp":"1732233600123"}'.encode()
    digest = hashlib.sha256(b"123" + body + b"1732233600123" + KEY.encode()).hexdigest()
    assert signature_valid(digest, app_id="123", raw_body=body, timestamp="1732233600123",
                           secret_key=KEY)
    assert signature_valid(f"mac={digest.upper()}", app_id="123", raw_body=body,
                           timestamp="1732233600123", secret_key=KEY)
    assert not signature_valid(digest, app_id="123", raw_body=body, timestamp="1732233600124",
                               secret_key=KEY)
    assert not signature_valid(digest, app_id="123", raw_body=body, timestamp=None,
                               secret_key=KEY)
    # HMAC over the body (seen in some public code) is not Zalo's SDK formula
    import hmac
    wrong = hmac.new(KEY.encode(), body, hashlib.sha256).hexdigest()
    assert not signature_valid(wrong, app_id="123", raw_body=body, timestamp="1732233600123",
                               secret_key=KEY)


def test_timestamp_as_number_or_string() -> None:
    assert body_timestamp({"timestamp": "1732233600123"}) == "1732233600123"
    assert body_timestamp({"timestamp": 1732233600123}) == "1732233600123"
    assert body_timestamp({"timestamp": True}) is None
    assert body_timestamp({}) is None


def test_text_event_keeps_large_ids_and_vietnamese_text() -> None:
    nfd = unicodedata.normalize("NFD", "Đăng ký khai sinh")
    parsed = parse_event({"event_name": "user_send_text", "timestamp": "1",
                          "sender": {"id": "8470091123456789012"},
                          "message": {"text": nfd, "msg_id": "abc"}})
    assert parsed is not None and parsed.kind is InboundKind.text
    assert parsed.user_id == "8470091123456789012" and parsed.dedupe_key == "zalo:msg:abc"
    assert parsed.text == nfd  # normalised to NFC by the Dialogue, not here


def test_events_without_a_sender_or_not_from_a_user_are_ignored() -> None:
    assert parse_event({"event_name": "user_send_text", "message": {"text": "x"}}) is None
    assert parse_event({"event_name": "oa_send_text", "sender": {"id": "1"}}) is None
    assert parse_event({"event_name": "follow", "follower": {"id": "1"}}) is None


def test_missing_msg_id_falls_back_to_sender_and_timestamp() -> None:
    parsed = parse_event({"event_name": "user_send_sticker", "timestamp": "99",
                          "sender": {"id": "7"}, "message": {}})
    assert parsed is not None and parsed.kind is InboundKind.unsupported
    assert parsed.attachment == "sticker" and parsed.message_id == "7:99"
