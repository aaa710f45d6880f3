"""Sends replies to a Zalo user through the OA consultation ("cs") message API.

Zalo text messages carry no buttons here: options become a numbered list the citizen answers
with a number (``api.channels.choices`` maps it back to the payload), links become text lines.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from api.channels.outgoing import link_lines, payload_buttons, split_text
from api.resilience import RetryPolicy, send_with_retry
from api.channels.zalo_tokens import ZaloTokens

logger = logging.getLogger(__name__)

TEXT_LIMIT = 2000  # Zalo's limit for a cs text is not confirmed; Messenger's is 2,000
# Error codes meaning "get a new access token". From third-party code, not confirmed officially
# (platform-facts §6); a 401 or an error message naming the access token also counts.
TOKEN_ERRORS = {-216, -124}
CHOICE_PROMPT = "Anh/Chị có thể trả lời bằng số thứ tự:"


def format_zalo_text(text: str, buttons: list[dict[str, Any]]) -> str:
    """Text with numbered options and link lines (Zalo's plain-text fallback for buttons)."""
    parts = [text.strip()] if text.strip() else []
    options = payload_buttons(buttons)
    if options:
        parts.append(CHOICE_PROMPT + "\n" + "\n".join(
            f"{i}. {b['title']}" for i, b in enumerate(options, 1)))
    links = link_lines(buttons)
    if links:
        parts.append("\n".join(links))
    return "\n\n".join(parts)


def _token_problem(resp: httpx.Response, data: dict[str, Any]) -> bool:
    if resp.status_code == 401:
        return True
    error = data.get("error")
    if isinstance(error, int) and error in TOKEN_ERRORS:
        return True
    message = str(data.get("message", "")).lower()
    return bool(error) and "access token" in message and (
        "expired" in message or "invalid" in message)


class ZaloClient:
    """``ChannelSender`` for Zalo: ``send`` returns True when every piece was accepted."""

    def __init__(self, *, api_base: str, tokens: ZaloTokens, client: httpx.Client,
                 policy: RetryPolicy, text_limit: int = TEXT_LIMIT) -> None:
        self.url = api_base.rstrip("/") + "/v3.0/oa/message/cs"
        self.tokens = tokens
        self.client = client
        self.policy = policy
        self.text_limit = text_limit

    def send(self, *, address: str, text: str, buttons: list[dict[str, Any]]) -> bool:
        pieces = split_text(format_zalo_text(text, buttons), self.text_limit)
        return all(self._send_text(address, piece) for piece in pieces)

    def _send_text(self, user_id: str, text: str) -> bool:
        if self.tokens.access_token is None or self.tokens.expired():
            if not self.tokens.refresh(failed_token=self.tokens.access_token):
                return False
        body = {"recipient": {"user_id": user_id}, "message": {"text": text}}
        for attempt in (1, 2):  # the second attempt follows a token refresh
            token = self.tokens.access_token or ""
            resp = send_with_retry(
                lambda: self.client.post(self.url, json=body, headers={"access_token": token}),
                policy=self.policy, event="zalo.send")
            if resp is None:
                logger.error("zalo.send.failed reason=network")
                return False
            data = _json(resp)
            if attempt == 1 and _token_problem(resp, data):
                logger.info("zalo.send.token_expired error=%s", data.get("error"))
                if not self.tokens.refresh(failed_token=token):
                    return False
                continue
            if resp.status_code == 200 and data.get("error", 0) in (0, "0", None):
                return True
            logger.error("zalo.send.rejected status=%d error=%s", resp.status_code,
                         data.get("error"))
            return False
        return False

    def close(self) -> None:
        self.client.close()


def _json(resp: httpx.Response) -> dict[str, Any]:
    try:
        data = resp.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
