"""What a platform delivery means for us, independent of the platform."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class InboundKind(str, Enum):
    text = "text"  # text or a button payload: goes through the Dialogue
    unsupported = "unsupported"  # image, sticker, file...: a polite text reply


@dataclass(frozen=True)
class Inbound:
    channel: str
    user_id: str  # the platform's id of the citizen (also the reply address)
    message_id: str  # for de-duplication of replayed deliveries
    kind: InboundKind
    text: str = ""
    payload: str | None = None
    attachment: str | None = None  # e.g. "image", "sticker" for unsupported messages
    # The citizen's network address, hashed (web only: Zalo and Messenger do not give one).
    # Passed to Rasa as message metadata so that dossier guesses are also counted per address.
    client: str | None = None

    @property
    def dedupe_key(self) -> str:
        return f"{self.channel}:msg:{self.message_id}"
