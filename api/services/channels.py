"""Outbound delivery: one sender per channel (web, and Zalo/Messenger when configured)."""

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

    def send(self, channel: str, *, address: str | None, text: str,
             buttons: list[dict[str, Any]] | None = None, tag: str | None = None) -> bool:
        """Send one message; False (logged) when the channel has no sender, the conversation
        no reply address, or the platform refused or failed. Never raises: the message is
        stored already, and the caller reports ``delivered``."""
        sender = self._senders.get(channel)
        if sender is None or address is None:
            logger.warning("%s.reply.undeliverable sender=%s address=%s", channel,
                           sender is not None, address is not None)
            return False
        try:
            if tag is not None:  # Messenger's HUMAN_AGENT tag (api.channels.windows)
                return sender.send(address=address, text=text, buttons=buttons or [], tag=tag)
            return sender.send(address=address, text=text, buttons=buttons or [])
        except Exception as exc:  # noqa: BLE001 - a sender bug must not lose the stored message
            logger.warning("%s.reply.send_failed: %s", channel, type(exc).__name__)
            return False
