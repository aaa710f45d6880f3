"""Rasa-style payloads (``/intent{json}``) and the mapping of Rasa replies to our messages."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from api.db.office import Outcome

OUTCOMES = frozenset(o.value for o in Outcome)
_PAYLOAD = re.compile(r"^/([A-Za-z_][\w]*)(\{.*\})?$", re.S)
SAFE_URL = re.compile(r"^(https?://|tel:\+?[\d.\- ]+$)", re.I)


@dataclass
class ParsedPayload:
    intent: str
    entities: dict[str, Any] = field(default_factory=dict)


def parse_payload(text: str | None) -> ParsedPayload | None:
    if not text:
        return None
    m = _PAYLOAD.match(text.strip())
    if not m:
        return None
    entities: dict[str, Any] = {}
    if m.group(2):
        try:
            loaded = json.loads(m.group(2))
            if isinstance(loaded, dict):
                entities = loaded
        except ValueError:
            return None
    return ParsedPayload(intent=m.group(1), entities=entities)


@dataclass
class BotMessage:
    text: str
    buttons: list[dict[str, Any]] = field(default_factory=list)
    citation: dict[str, Any] | None = None
    procedure: str | None = None
    intent: str | None = None
    confidence: float | None = None
    custom: dict[str, Any] | None = None
    outcome: str | None = None  # api.db.office.Outcome value, when the sender said it
    aspect: str | None = None


def _buttons(raw: Any) -> list[dict[str, Any]]:
    out = []
    for b in raw or []:
        if not isinstance(b, dict) or not b.get("title"):
            continue
        item: dict[str, Any] = {"title": str(b["title"])[:80]}
        if b.get("payload"):
            item["payload"] = str(b["payload"])
        if b.get("url"):
            if not SAFE_URL.match(str(b["url"])):
                continue  # e.g. javascript: — never handed to a browser
            item["url"] = str(b["url"])
        out.append(item)
    return out


def _apply_custom(msg: BotMessage, custom: dict[str, Any]) -> None:
    msg.custom = custom
    if isinstance(custom.get("citation"), dict) and custom["citation"].get("label"):
        url = custom["citation"].get("url")
        msg.citation = {"label": str(custom["citation"]["label"]),
                        "url": str(url) if url and SAFE_URL.match(str(url)) else None}
    proc = custom.get("procedure")
    if isinstance(proc, dict) and proc.get("id"):
        msg.procedure = str(proc["id"])
    elif custom.get("procedure_id"):
        msg.procedure = str(custom["procedure_id"])
    if isinstance(custom.get("confidence"), (int, float)):
        msg.confidence = float(custom["confidence"])
    if custom.get("intent"):
        msg.intent = str(custom["intent"])[:64]
    if custom.get("outcome") in OUTCOMES:
        msg.outcome = str(custom["outcome"])
    if isinstance(custom.get("aspect"), str) and custom["aspect"]:
        msg.aspect = custom["aspect"][:32]
    msg.buttons += _buttons(custom.get("quick_replies")) + _buttons(custom.get("buttons"))
    msg.buttons += _buttons([{"title": c.get("name"), "payload": c.get("payload")}
                             for c in custom.get("candidates") or [] if isinstance(c, dict)])


def from_rasa(items: list[dict[str, Any]]) -> list[BotMessage]:
    """Map Rasa REST replies; a ``custom``-only item enriches the text message before it."""
    out: list[BotMessage] = []
    for item in items:
        custom = item.get("custom") if isinstance(item.get("custom"), dict) else None
        text = item.get("text") if isinstance(item.get("text"), str) else ""
        if custom and not text and custom.get("text"):
            text = str(custom["text"])
        buttons = _buttons(item.get("buttons")) + _buttons(item.get("quick_replies"))
        if item.get("image") and SAFE_URL.match(str(item["image"])):
            buttons.append({"title": "Xem hình ảnh", "url": str(item["image"])})
        if not text and not buttons and custom is not None and out:
            _apply_custom(out[-1], custom)
            continue
        if not text and not buttons and custom is None:
            continue
        msg = BotMessage(text=text, buttons=buttons)
        if custom is not None:
            _apply_custom(msg, custom)
        out.append(msg)
    return out
