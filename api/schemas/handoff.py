"""Schemas of the handoff queue and of the agent API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Priority = Literal["low", "normal", "high"]
PRIORITY_VALUE = {"low": 0, "normal": 1, "high": 2}
PRIORITY_NAME = {v: k for k, v in PRIORITY_VALUE.items()}


class TranscriptLine(BaseModel):
    role: str = Field(max_length=16)
    text: str = Field(max_length=4000)


class HandoffRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    conversation_id: str | None = Field(default=None, max_length=64)
    sender_id: str | None = Field(default=None, max_length=128)
    channel: str = Field(default="web", max_length=32)
    reason: str = Field(default="citizen_request", min_length=1, max_length=500)
    category: str | None = Field(default=None, max_length=64)
    priority: Priority = "normal"
    transcript: list[TranscriptLine] | str | None = None

    @model_validator(mode="after")
    def _needs_a_conversation(self) -> HandoffRequest:
        if not self.conversation_id and not self.sender_id:
            raise ValueError("conversation_id or sender_id is required")
        return self


class HandoffPublic(BaseModel):
    ticket_id: int
    status: str
    position: int | None
    expected_wait_minutes: int | None
    within_office_hours: bool
    office_hours: str
    message: str  # Vietnamese text for the citizen


class TicketPublic(BaseModel):
    id: int
    conversation_id: str
    channel: str
    reason: str
    category: str | None
    priority: Priority
    status: str
    agent: str | None
    created_at: datetime
    claimed_at: datetime | None
    closed_at: datetime | None
    resolution: str | None = None
    note: str | None = None
    last_question: str | None = None  # the citizen's last words before the handoff


# The acting agent is the credential's (session or API token), never a field of the body.
class TransferRequest(BaseModel):
    agent: str = Field(min_length=1, max_length=64,
                       description="Login of the active agent who takes the ticket over.")


class AgentReplyRequest(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


Resolution = Literal["answered", "referred", "call_back", "no_response", "spam", "handed_back"]


class CloseRequest(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    resolution: Resolution = "answered"
    note: str | None = Field(default=None, max_length=2000)


class AgentPublic(BaseModel):
    login: str
    display_name: str
    role: str


class AuditPublic(BaseModel):
    id: int
    at: datetime
    agent: str
    action: str
    ticket_id: int | None
    conversation_id: str | None
    outcome: str
    detail: dict[str, Any] | None


class MessagePublic(BaseModel):
    id: int
    role: str
    text: str
    buttons: list[dict[str, Any]] = Field(default_factory=list)
    citation: dict[str, Any] | None = None
    intent: str | None = None
    procedure: str | None = None
    confidence: float | None = None
    created_at: datetime


class TranscriptPublic(BaseModel):
    ticket: TicketPublic
    conversation_state: str
    handoff_transcript: Any = None
    messages: list[MessagePublic]


class ReplyPublic(BaseModel):
    message_id: int
    delivered: bool
    channel: str
    # open | human_agent_tag (Messenger, 24 h - 7 days) | closed (Messenger, past 7 days: not
    # sent) | zalo_proactive_unconfirmed (Zalo, past 48 h or 8 replies): api.channels.windows
    window: str = "open"
