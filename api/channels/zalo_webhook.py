"""Zalo OA webhook: signature check and event parsing.

Signature (Zalo's SDKs, see ``../shared/notes/platform-facts.md`` §6): ``X-ZEvent-Signature``
is the plain SHA-256 hex digest of ``app_id + raw body + timestamp + OA secret key`` where
``timestamp`` is the ``timestamp`` field of the body. Some implementations send it with a
``mac=`` prefix (unconfirmed officially); both forms are accepted.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from api.channels.inbound import Inbound, InboundKind

CHANNEL = "zalo"
SIGNATURE_HEADER = "X-ZEvent-Signature"
TEXT_EVENT = "user_send_text"
# user_send_* events we cannot read; they get a polite text. Event name -> attachment kind.
UNSUPPORTED_EVENTS = {
    "user_send_image": "image",
    "user_send_gif": "image",
    "user_send_sticker": "sticker",
    "user_send_audio": "audio",
    "user_send_video": "video",
    "user_send_file": "file",
    "user_send_location": "location",
    "user_send_link": "link",
    "user_send_business_card": "business_card",
}


def expected_signature(*, app_id: str, raw_body: bytes, timestamp: str, secret_key: str) -> str:
    data = app_id.encode() + raw_body + timestamp.encode() + secret_key.encode()
    return hashlib.sha256(data).hexdigest()


def signature_valid(header: str | None, *, app_id: str, raw_body: bytes, timestamp: str | None,
                    secret_key: str) -> bool:
    """Constant-time check of the header against the expected digest."""
    if not header or timestamp is None:
        return False
    given = header.strip()
    if given[:4].lower() == "mac=":
        given = given[4:].strip()
    expected = expected_signature(app_id=app_id, raw_body=raw_body, timestamp=timestamp,
                                  secret_key=secret_key)
    return hmac.compare_digest(given.lower().encode(), expected.encode())


def event_age_seconds(timestamp: str, now: datetime) -> float | None:
    """How far the event's ``timestamp`` (milliseconds since the epoch) is from ``now``, in
    seconds either way; None when it is not a number."""
    try:
        ms = int(timestamp)
    except ValueError:
        return None
    return abs(now.timestamp() - ms / 1000.0)


def body_timestamp(event: dict[str, Any]) -> str | None:
    """The ``timestamp`` field as the text that was signed (a string in Zalo's payloads)."""
    value = event.get("timestamp")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int)):
        return str(value)
    return None


def is_oa_echo(event: dict[str, Any]) -> bool:
    return str(event.get("event_name", "")).startswith("oa_send_")


def _sender_id(event: dict[str, Any]) -> str | None:
    sender = event.get("sender")
    if isinstance(sender, dict) and sender.get("id") not in (None, ""):
        return str(sender["id"])
    return None


def _message(event: dict[str, Any]) -> dict[str, Any]:
    message = event.get("message")
    return message if isinstance(message, dict) else {}


def parse_event(event: dict[str, Any]) -> Inbound | None:
    """A citizen message we must answer, or None for events that are only acknowledged."""
    name = str(event.get("event_name", ""))
    if is_oa_echo(event) or not name.startswith("user_send_"):
        return None
    user_id = _sender_id(event)
    if user_id is None:
        return None
    message = _message(event)
    msg_id = message.get("msg_id")
    message_id = str(msg_id) if msg_id not in (None, "") else f"{user_id}:{event.get('timestamp')}"
    if name == TEXT_EVENT:
        text = message.get("text")
        return Inbound(channel=CHANNEL, user_id=user_id, message_id=message_id,
                       kind=InboundKind.text, text=text if isinstance(text, str) else "")
    return Inbound(channel=CHANNEL, user_id=user_id, message_id=message_id,
                   kind=InboundKind.unsupported,
                   attachment=UNSUPPORTED_EVENTS.get(name, name.removeprefix("user_send_")))
