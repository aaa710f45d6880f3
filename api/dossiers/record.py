"""The dossier as a one-stop system exposes it: the record the sources return, and the input
row (import file line or upstream JSON) that carries the applicant's numbers in clear only
until ``to_record`` turns them into digests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.dossiers.codes import normalise_code
from api.dossiers.privacy import FactorKind, factor_digest, last4, mask_name, phone_digest


VIETNAM = timezone(timedelta(hours=7))


class DossierStatus(str, Enum):
    received = "received"
    processing = "processing"
    waiting_additional = "waiting_additional"
    resolved_on_time = "resolved_on_time"
    resolved_late = "resolved_late"
    returned = "returned"
    refused = "refused"
    withdrawn = "withdrawn"


CLOCK_RUNNING = {DossierStatus.received, DossierStatus.processing}
RESOLVED_STATUSES = {DossierStatus.resolved_on_time, DossierStatus.resolved_late}
NEEDS_REASON = {DossierStatus.returned, DossierStatus.refused}


class Delivery(str, Enum):
    counter = "counter"  # at the one-stop counter (Bộ phận Một cửa)
    post = "post"  # public postal service (BCCI)


@dataclass(frozen=True)
class DossierRecord:
    code: str
    procedure_id: str | None
    procedure_code: str | None
    procedure_name: str
    applicant_masked: str | None
    phone_hash: str | None
    phone_last4_hash: str | None
    id_last4_hash: str | None
    received_at: datetime
    due_at: datetime | None
    resolved_at: datetime | None
    status: DossierStatus
    reason: str | None
    agency: str | None
    apology_issued: bool
    new_appointment: date | None
    delivery: Delivery

    def factor_hash(self, kind: FactorKind) -> str | None:
        return self.phone_last4_hash if kind is FactorKind.phone else self.id_last4_hash

    def overdue(self, now: datetime) -> bool:
        """Received or processing past the due time (an "overdue, in progress" dossier).

        Waiting for additional documents is not overdue: that wait is not counted in the time
        limit.
        """
        return (self.status in CLOCK_RUNNING and self.due_at is not None
                and aware(self.due_at) < now)


def aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _parse_when(value: object) -> object:
    """Accept ISO 8601 and the dd/mm/yyyy[ HH:MM] form of one-stop exports."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        for fmt in ("%d/%m/%Y %H:%M", "%d/%m/%Y"):
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                continue
    return value


class DossierIn(BaseModel):
    """One dossier as an import row or an upstream JSON object (numbers still in clear)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    code: str
    procedure_id: str | None = None
    procedure_code: str | None = None
    procedure_name: str = Field(min_length=3, max_length=2000)
    applicant_name: str | None = Field(default=None, max_length=200)
    phone: str | None = None
    id_number: str | None = None
    received_at: datetime
    due_at: datetime | None = None
    resolved_at: datetime | None = None
    status: DossierStatus
    reason: str | None = Field(default=None, max_length=1000)
    agency: str | None = Field(default=None, max_length=300)
    apology_issued: bool = False
    new_appointment: date | None = None
    delivery: Delivery = Delivery.counter

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        return normalise_code(value)

    @field_validator("procedure_id", "procedure_code", "applicant_name", "phone", "id_number",
                     "reason", "agency", "due_at", "resolved_at", "new_appointment",
                     mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("received_at", "due_at", "resolved_at", mode="before")
    @classmethod
    def _when(cls, value: object) -> object:
        return _parse_when(value)

    @field_validator("received_at", "due_at", "resolved_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        # Exports without an offset are in Vietnam time (UTC+7).
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=VIETNAM)
        return value.astimezone(timezone.utc)

    @field_validator("phone", "id_number")
    @classmethod
    def _has_digits(cls, value: str | None) -> str | None:
        if value is not None and last4(value) is None:
            raise ValueError("needs at least 4 digits")
        return value

    @field_validator("apology_issued", mode="before")
    @classmethod
    def _flag(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip().lower() in {"1", "true", "yes", "co", "có", "x"}
        return value

    @model_validator(mode="after")
    def _consistent(self) -> DossierIn:
        if self.phone is None and self.id_number is None:
            raise ValueError("needs a phone or an ID number to verify the applicant")
        if self.due_at is not None and self.due_at < self.received_at:
            raise ValueError("due_at is before received_at")
        if self.status in RESOLVED_STATUSES and self.resolved_at is None:
            raise ValueError(f"status {self.status.value} needs resolved_at")
        if self.resolved_at is not None and self.resolved_at < self.received_at:
            raise ValueError("resolved_at is before received_at")
        if self.status in NEEDS_REASON and not self.reason:
            raise ValueError(f"status {self.status.value} needs a reason")
        if self.new_appointment is not None and not self.apology_issued:
            raise ValueError("new_appointment is given without apology_issued")
        return self

    def to_record(self, key: bytes) -> DossierRecord:
        """Digest the numbers and mask the name; nothing in clear survives this call."""
        def digest(kind: FactorKind, number: str | None) -> str | None:
            tail = last4(number)
            if tail is None:
                return None
            return factor_digest(key, kind=kind, code=self.code, last_digits=tail)

        return DossierRecord(
            code=self.code, procedure_id=self.procedure_id, procedure_code=self.procedure_code,
            procedure_name=self.procedure_name, applicant_masked=mask_name(self.applicant_name),
            phone_hash=phone_digest(key, self.phone) if self.phone else None,
            phone_last4_hash=digest(FactorKind.phone, self.phone),
            id_last4_hash=digest(FactorKind.id, self.id_number),
            received_at=self.received_at, due_at=self.due_at, resolved_at=self.resolved_at,
            status=self.status, reason=self.reason, agency=self.agency,
            apology_issued=self.apology_issued, new_appointment=self.new_appointment,
            delivery=self.delivery)
