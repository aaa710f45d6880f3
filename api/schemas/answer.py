"""Schemas of ``POST /v1/answer`` and ``GET /v1/search`` (contract: docs/architecture.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Aspect = Literal["overview", "documents", "time", "fee", "place", "steps", "online",
                 "conditions", "legal_basis", "result", "deadline", "validity", "who", "forms"]
AnswerStatus = Literal["answer", "clarify", "abstain", "abolished"]
QuestionForm = Literal["yes_no", "question", "statement"]
Verdict = Literal["yes", "no", "unknown"]


class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    text: str = Field(default="", max_length=4000)
    aspect: Aspect | None = None
    procedure_id: str | None = Field(default=None, max_length=128)
    sender_id: str | None = Field(default=None, max_length=128)
    channel: str | None = Field(default=None, max_length=32)


class ProcedureRef(BaseModel):
    id: str
    code: str | None
    name: str


class Citation(BaseModel):
    label: str
    url: str | None = None


class QuickReply(BaseModel):
    title: str
    payload: str


class Candidate(BaseModel):
    id: str
    name: str
    payload: str


class AnswerPublic(BaseModel):
    status: AnswerStatus
    aspect: Aspect | None
    procedure: ProcedureRef | None
    text: str
    citation: Citation | None
    quick_replies: list[QuickReply]
    candidates: list[Candidate]
    confidence: float | None
    # Added for yes/no questions and multi-procedure answers; the defaults keep old clients
    # (and old stored answers) valid.
    question_form: QuestionForm = "statement"
    verdict: Verdict | None = None  # only for a yes/no question answered about one procedure
    procedures: list[ProcedureRef] = Field(default_factory=list)  # every procedure covered


class SearchHitPublic(BaseModel):
    procedure_id: str
    name: str
    code: str | None
    score: float
    confidence: float


class SearchPublic(BaseModel):
    query: str
    abstain: bool
    aspect: str | None
    hits: list[SearchHitPublic]
