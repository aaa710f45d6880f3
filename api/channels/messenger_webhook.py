"""Facebook Messenger webhook: subscription check, signature check and event parsing.

The signature is ``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body, keyed with the
App Secret>`` (platform-facts §7). Rasa's built-in channel reads only the legacy SHA-1 header,
so it is not used.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from typing import Any

from api.channels.inbound import Inbound, InboundKind
from api.services.payloads import parse_payload

CHANNEL = "messenger"
SIGNATURE_HEADER = "X-Hub-Signature-256"


def subscription_valid(*, mode: str | None, token: str | None, expected: str) -> bool:
    return mode == "subscribe" and token is not None and hmac.compare_digest(
        token.encode(), expected.encode())


def signature_valid(header: str | None, *, raw_body: bytes, app_secret: str) -> bool:
    if not header:
        return False
    scheme, _, given = header.strip().partition("=")
    if scheme.lower() != "sha256" or not given:
        return False
    expected = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(given.strip().lower().encode(), expected.encode())


def _events(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if body.get("object") != "page":
        return
    for entry in body.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        for event in entry.get("messaging") or []:
            if isinstance(event, dict):
                yield event


def _sender(event: dict[str, Any]) -> str | None:
    sender = event.get("sender")
    if isinstance(sender, dict) and sender.get("id") not in (None, ""):
        return str(sender["id"])
    return None


def _rasa_payload(payload: Any) -> str | None:
    """Our own buttons carry Rasa payloads (``/ask_fee``); anything else is not one."""
    if isinstance(payload, str) and parse_payload(payload) is not None:
        return payload
    return None


def parse_event(event: dict[str, Any]) -> Inbound | None:
    """One ``messaging`` item -> a citizen message, or None (echo, delivery, read, ...)."""
    user_id = _sender(event)
    if user_id is None:
        return None
    message = event.get("message")
    if isinstance(message, dict):
        if message.get("is_echo"):
            return None
        mid = str(message.get("mid") or f"{user_id}:{event.get('timestamp')}")
        text = message.get("text") if isinstance(message.get("text"), str) else ""
        quick = message.get("quick_reply")
        if isinstance(quick, dict):
            payload = _rasa_payload(quick.get("payload"))
            return Inbound(channel=CHANNEL, user_id=user_id, message_id=mid,
                           kind=InboundKind.text, text=text, payload=payload)
        if text:
            return Inbound(channel=CHANNEL, user_id=user_id, message_id=mid,
                           kind=InboundKind.text, text=text)
        attachments = message.get("attachments")
        kind = "attachment"
        if isinstance(attachments, list) and attachments and isinstance(attachments[0], dict):
            kind = str(attachments[0].get("type") or kind)
            if (attachments[0].get("payload") or {}).get("sticker_id") is not None:
                kind = "sticker"
        return Inbound(channel=CHANNEL, user_id=user_id, message_id=mid,
                       kind=InboundKind.unsupported, attachment=kind)
    postback = event.get("postback")
    if isinstance(postback, dict):
        mid = str(postback.get("mid") or f"postback:{user_id}:{event.get('timestamp')}")
        title = postback.get("title") if isinstance(postback.get("title"), str) else ""
        payload = _rasa_payload(postback.get("payload"))
        return Inbound(channel=CHANNEL, user_id=user_id, message_id=mid, kind=InboundKind.text,
                       text=title or (str(postback.get("payload") or "") if not payload else ""),
                       payload=payload)
    return None


def parse_body(body: dict[str, Any]) -> list[Inbound]:
    return [m for m in (parse_event(e) for e in _events(body)) if m is not None]
