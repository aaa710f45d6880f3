"""Schemas of the web chat (``/v1/chat/web``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# At least 22 characters of [A-Za-z0-9_-]: room for 128 random bits (the widget sends 32 hex
# digits from crypto.getRandomValues). The id is the client's choice, so a short one would be
# a guessable key to someone else's conversation.
SESSION_ID = r"^[A-Za-z0-9_-]{22,64}$"


class WebChatRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    session_id: str = Field(pattern=SESSION_ID)
    text: str = Field(default="", max_length=20_000)
    payload: str | None = Field(default=None, max_length=1000)  # quick reply clicked


class ChatMessagePublic(BaseModel):
    id: int | None = None
    role: str
    text: str
    buttons: list[dict[str, Any]] = Field(default_factory=list)
    citation: dict[str, Any] | None = None
    created_at: datetime | None = None


class WebChatPublic(BaseModel):
    session_id: str
    state: str
    messages: list[ChatMessagePublic]


class HistoryPublic(BaseModel):
    session_id: str
    state: str
    messages: list[ChatMessagePublic]
