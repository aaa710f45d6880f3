"""Sends replies through the Messenger Send API (``messaging_type: RESPONSE``).

Limits (platform-facts §7): at most 13 quick replies, titles of at most 20 characters, text
of at most 2,000 characters per message (longer text is sent as several messages, the quick
replies on the last one). Link buttons become text lines.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from api.channels.outgoing import link_lines, payload_buttons, split_text
from api.resilience import RetryPolicy, send_with_retry

logger = logging.getLogger(__name__)

TEXT_LIMIT = 2000
MAX_QUICK_REPLIES = 13
TITLE_LIMIT = 20
PAYLOAD_LIMIT = 1000


def short_title(title: str, limit: int = TITLE_LIMIT) -> str:
    title = " ".join(title.split())
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def quick_replies(buttons: list[dict[str, Any]]) -> list[dict[str, str]]:
    options = [b for b in payload_buttons(buttons) if len(str(b["payload"])) <= PAYLOAD_LIMIT]
    if len(options) > MAX_QUICK_REPLIES:
        logger.info("messenger.quick_replies_truncated count=%d", len(options))
    return [{"content_type": "text", "title": short_title(str(b["title"])),
             "payload": str(b["payload"])} for b in options[:MAX_QUICK_REPLIES]]


def build_messages(*, psid: str, text: str, buttons: list[dict[str, Any]],
                   text_limit: int = TEXT_LIMIT, tag: str | None = None) -> list[dict[str, Any]]:
    """The Send API bodies for one reply, in order; with ``tag`` (``HUMAN_AGENT``, an
    agent's reply 24 h - 7 days after the citizen's last message) ``MESSAGE_TAG`` bodies."""
    links = link_lines(buttons)
    full = "\n\n".join(p for p in (text.strip(), "\n".join(links)) if p)
    pieces = split_text(full, text_limit) or ["…"]
    replies = quick_replies(buttons)
    bodies: list[dict[str, Any]] = []
    for i, piece in enumerate(pieces):
        message: dict[str, Any] = {"text": piece}
        if replies and i == len(pieces) - 1:
            message["quick_replies"] = replies
        body: dict[str, Any] = {"recipient": {"id": psid}, "messaging_type": "RESPONSE",
                                "message": message}
        if tag is not None:
            body.update(messaging_type="MESSAGE_TAG", tag=tag)
        bodies.append(body)
    return bodies


class MessengerClient:
    """``ChannelSender`` for Messenger: ``send`` returns True when every piece was accepted."""

    def __init__(self, *, graph_base: str, version: str, page_token: str,
                 client: httpx.Client, policy: RetryPolicy) -> None:
        self.url = f"{graph_base.rstrip('/')}/{version.strip('/')}/me/messages"
        self.page_token = page_token
        self.client = client
        self.policy = policy

    def send(self, *, address: str, text: str, buttons: list[dict[str, Any]],
             tag: str | None = None) -> bool:
        for body in build_messages(psid=address, text=text, buttons=buttons, tag=tag):
            resp = send_with_retry(
                # the token in a header, never in the URL (a URL reaches access logs); the Graph
                # API accepts "Authorization: Bearer" (docs/channels.md, Messenger)
                lambda body=body: self.client.post(
                    self.url, json=body, headers={"Authorization": f"Bearer {self.page_token}"}),
                policy=self.policy, event="messenger.send")
            if resp is None:
                logger.error("messenger.send.failed reason=network")
                return False
            if resp.status_code != 200:
                logger.error("messenger.send.rejected status=%d code=%s", resp.status_code,
                             _error_code(resp))
                return False
        return True

    def close(self) -> None:
        self.client.close()


def _error_code(resp: httpx.Response) -> object:
    try:
        data = resp.json()
    except ValueError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    return error.get("code") if isinstance(error, dict) else None
