"""Formatting shared by the channels: reply text with its citation, links, chunking."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from api.db.models import Message
from api.services.payloads import BotMessage

_BREAKS = (re.compile(r"\n\s*\n"), re.compile(r"\n"), re.compile(r"(?<=[.!?…;:])\s+"),
           re.compile(r"\s+"))


@dataclass
class Outgoing:
    """One reply for a chat platform: text (citation included) and buttons."""

    text: str
    buttons: list[dict[str, Any]] = field(default_factory=list)


def from_turn_message(m: Message | BotMessage) -> Outgoing:
    """A stored or transient reply -> text with its citation appended when it is not in it."""
    if isinstance(m, BotMessage):
        text, buttons, citation = m.text, list(m.buttons), m.citation
    else:
        payload = m.payload or {}
        text, citation = m.text, payload.get("citation")
        buttons = list(payload.get("buttons") or [])
    text = text or ""
    if isinstance(citation, dict) and citation.get("label"):
        label = str(citation["label"])
        if label not in text:
            text = f"{text}\n{label}" if text else label
        url = citation.get("url")
        if url and str(url) not in text:
            text = f"{text}\n{url}"
    return Outgoing(text=text, buttons=[b for b in buttons if isinstance(b, dict)])


def payload_buttons(buttons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b for b in buttons if b.get("payload") and b.get("title")]


def link_lines(buttons: list[dict[str, Any]]) -> list[str]:
    """URL buttons as text lines; a ``tel:`` link shows the number unless the title has it."""
    lines = []
    for b in buttons:
        url, title = str(b.get("url") or ""), str(b.get("title") or "")
        if not url or b.get("payload"):
            continue
        if url.startswith("tel:"):
            number = url[4:]
            lines.append(f"- {title}" if number in title else f"- {title}: {number}")
        else:
            lines.append(f"- {title}: {url}" if title else f"- {url}")
    return lines


def split_text(text: str, limit: int) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` characters, preferring paragraph, line,
    sentence and word boundaries (in that order); a word longer than ``limit`` is cut hard."""
    text = text.strip()
    chunks: list[str] = []
    while len(text) > limit:
        window = text[: limit + 1]
        cut_at = -1
        for pattern in _BREAKS:
            ends = [m for m in pattern.finditer(window) if 0 < m.start() <= limit]
            if ends:
                last = ends[-1]
                if last.start() >= limit // 3:  # don't leave a tiny first piece
                    cut_at, resume = last.start(), last.end()
                    break
        if cut_at < 0:
            cut_at = resume = limit
        piece = text[:cut_at].rstrip()
        if piece:
            chunks.append(piece)
        text = text[resume:].lstrip()
    if text:
        chunks.append(text)
    return chunks
