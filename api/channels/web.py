"""The web widget as a channel sender.

An agent's or the system's message is already stored when it is sent; the widget receives it
from the conversation's event stream (``GET /v1/chat/web/{session_id}/events``) or its history,
so sending has nothing left to do and always succeeds.
"""

from __future__ import annotations

from typing import Any

CHANNEL = "web"


class WebSender:
    def send(self, *, address: str, text: str, buttons: list[dict[str, Any]]) -> bool:
        return True

    def close(self) -> None:
        return None
