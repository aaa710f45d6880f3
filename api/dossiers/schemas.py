"""Request and response bodies of ``/v1/dossiers/...`` (input and output kept separate)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from api.dossiers.record import Delivery, DossierStatus


class DossierLookupRequest(BaseModel):
    """A citizen's lookup, sent by a channel or a Rasa action."""

    code: str = Field(min_length=1, max_length=64,
                      examples=["000.00.19.H12-250101-0001"])
    factor: str | None = Field(default=None, max_length=32,
                               description="Last 4 digits of the applicant's phone (or ID "
                                           "number, per API_DOSSIER_VERIFY_FACTOR).")
    sender_id: str = Field(min_length=1, max_length=128,
                           description="Channel user id or Rasa sender; hashed before use.")
    channel: str = Field(default="web", min_length=1, max_length=32)
    client: str | None = Field(default=None, max_length=128, pattern=r"^[0-9a-f]+$",
                               description="The citizen's hashed network address, as the API "
                                           "gave it to Rasa (web only); guesses are also "
                                           "counted per address.")


class AgentDossierLookupRequest(BaseModel):
    """The agent is the credential's (session or API token); it is written to the audit log."""

    code: str = Field(min_length=1, max_length=64)


class ProcedureRef(BaseModel):
    id: str | None
    code: str | None
    name: str


class DossierPublic(BaseModel):
    """All a lookup reveals: masked name, procedure, status, dates, agency, delivery."""

    code: str
    procedure: ProcedureRef
    applicant: str | None = Field(description="Masked, e.g. 'Nguyễn V*** A***'.")
    status: DossierStatus
    status_label: str
    reason: str | None = Field(description="Why it was returned, refused or is waiting.")
    overdue: bool = Field(description="Received or processing past due_at.")
    late: bool = Field(description="Resolved late or overdue.")
    received_at: datetime
    due_at: datetime | None
    resolved_at: datetime | None
    agency: str | None
    apology_issued: bool
    new_appointment: date | None
    delivery: Delivery
    delivery_label: str


class DossierLookupPublic(BaseModel):
    status: str = Field(default="found", description="Always 'found'; failures are errors.")
    dossier: DossierPublic
    text: str = Field(description="Ready-to-show Vietnamese answer.")
    hotline: str


class DossierErrorDetail(BaseModel):
    code: str = Field(description="invalid_code | factor_required | unknown_code | "
                                  "wrong_factor | locked_out | factor_unavailable | "
                                  "upstream_unavailable")
    message: str = Field(description="English, for operators.")
    text: str = Field(description="Ready-to-show Vietnamese message for the citizen.")
    hotline: str | None = None
    remaining_attempts: int | None = None
    retry_after_seconds: int | None = None
    factor: str | None = None
    example: str | None = None


class DossierErrorPublic(BaseModel):
    error: DossierErrorDetail
