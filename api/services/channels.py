"""Outbound delivery to non-web channels. Zalo/Messenger register their senders later."""

from __future__ import annotations

import logging
from typing import Any, Protocol

logger = logging.getLogger(__name__)


class ChannelSender(Protocol):
    """Sends one message to a user of a channel; returns True when the platform accepted it."""

    def send(self, *, address: str, text: str, buttons: list[dict[str, Any]]) -> bool: ...


class ChannelRegistry:
    def __init__(self) -> None:
        self._senders: dict[str, ChannelSender] = {}

    def register(self, channel: str, sender: ChannelSender) -> None:
        self._senders[channel] = sender

    def get(self, channel: str) -> ChannelSender | None:
        return self._senders.get(channel)

    def channels(self) -> list[str]:
        return sorted(self._senders)
