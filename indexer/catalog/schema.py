"""The procedure catalogue schema: one YAML file per procedure under ``knowledge/procedures``.

The pydantic models here are the single source of truth; ``python -m indexer schema`` exports
them as JSON Schema to ``knowledge/schema/``.
"""

from __future__ import annotations

import datetime as dt
import re
from datetime import date
from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CODE_RE = re.compile(r"^\d\.\d{6}$")
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# "channels[in_person].time: ...", "channels[online,postal].fee: ...", "conditions[0]: ...",
# "agency: ..."
_REMARK_INDEX = r"(?:\[[\w-]+(?:,[\w-]+)*\])?"
REMARK_RE = re.compile(rf"^[a-z_]+{_REMARK_INDEX}(?:\.[a-z_]+{_REMARK_INDEX})*: \S")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ChannelKind(str, Enum):
    in_person = "in_person"  # Trực tiếp
    online = "online"  # Trực tuyến
    postal = "postal"  # Dịch vụ bưu chính (công ích)


class TimeUnit(str, Enum):
    working_days = "ngày làm việc"
    days = "ngày"
    hours = "giờ"
    same_day = "trong ngày"
    months = "tháng"


class ProcessingTime(Strict):
    """A time limit. ``value`` is null only for ``trong ngày``."""

    value: float | None = Field(default=None, gt=0)
    unit: TimeUnit
    note: str | None = None

    @model_validator(mode="after")
    def _value_matches_unit(self) -> ProcessingTime:
        if self.unit is TimeUnit.same_day and self.value is not None:
            raise ValueError("'trong ngày' takes no value")
        if self.unit is not TimeUnit.same_day and self.value is None:
            raise ValueError(f"unit '{self.unit.value}' needs a positive value")
        return self


class Fee(Strict):
    """A fee or charge. ``free`` true means "miễn phí"; otherwise ``amount_vnd`` or ``text``.

    A temporary rate (e.g. the 50 % reductions of Thông tư 64/2025/TT-BTC) carries its period:
    ``valid_from`` / ``valid_until`` (both inclusive; "đến hết ngày"). The rate that applies
    outside the period goes in ``standard_amount_vnd`` / ``standard_text`` only where the
    record states it; left empty, the answer says the rate has changed and gives the hotline.
    """

    free: bool = False
    amount_vnd: int | None = Field(default=None, ge=0)
    text: str | None = None  # e.g. "50.000 đồng/trường hợp; 100.000 đồng nếu ..."
    exemptions: str | None = None
    valid_from: date | None = Field(
        default=None, description="First day the rate above applies (temporary rate only).")
    valid_until: date | None = Field(
        default=None, description="Last day the rate above applies, inclusive (temporary rate).")
    standard_amount_vnd: int | None = Field(
        default=None, ge=0,
        description="The rate outside valid_from..valid_until, only where the record states it.")
    standard_text: str | None = Field(
        default=None, description="The rate outside the period in words (e.g. its legal basis).")

    @model_validator(mode="after")
    def _one_form(self) -> Fee:
        if self.free and self.amount_vnd:
            raise ValueError("a free fee cannot carry an amount")
        if not self.free and self.amount_vnd is None and not self.text:
            raise ValueError("a fee needs free, amount_vnd or text")
        if self.valid_from and self.valid_until and self.valid_from > self.valid_until:
            raise ValueError("valid_from is after valid_until")
        if self.has_standard and not self.is_temporary:
            raise ValueError("a standard rate needs the temporary rate's valid_from or "
                             "valid_until")
        return self

    @property
    def is_temporary(self) -> bool:
        return self.valid_from is not None or self.valid_until is not None

    @property
    def has_standard(self) -> bool:
        return self.standard_amount_vnd is not None or bool(self.standard_text)

    def in_force(self, on: date) -> bool:
        """The rate above applies on ``on`` (always true for a rate without a period)."""
        if self.valid_from is not None and on < self.valid_from:
            return False
        return self.valid_until is None or on <= self.valid_until

    def expired(self, on: date) -> bool:
        return self.valid_until is not None and on > self.valid_until

    def standard(self) -> Fee | None:
        """The stated rate outside the period, as a plain fee (None when not stated)."""
        if not self.has_standard:
            return None
        return Fee(amount_vnd=self.standard_amount_vnd, text=self.standard_text,
                   exemptions=self.exemptions)

    def applicable(self, on: date) -> Fee | None:
        """The fee that applies on ``on``: this one in its period, else the stated standard
        rate, else None (not known from the record)."""
        return self if self.in_force(on) else self.standard()


class Channel(Strict):
    kind: ChannelKind
    time: ProcessingTime | None = None  # null: not verified, say so in note
    fee: Fee | None = None  # null: not verified, say so in note
    note: str | None = None


class Document(Strict):
    name: str = Field(min_length=3)
    copy_kind: Literal["original", "copy", "certified_copy", "original_or_copy", "present"] | None = (
        None
    )
    quantity: int | None = Field(default=None, ge=1)
    form: str | None = None  # form template, e.g. "Tờ khai đăng ký khai sinh (mẫu ...)"
    condition: str | None = None  # e.g. "nếu trẻ sinh ra ngoài cơ sở y tế"


class LegalBasis(Strict):
    number: str = Field(min_length=3)  # e.g. "60/2014/QH13", "123/2015/NĐ-CP"
    title: str
    date: dt.date | None = None  # ``dt.date``: the field name shadows the type
    issuer: str | None = None


class StatusKind(str, Enum):
    active = "active"
    amended = "amended"
    abolished = "abolished"


class Status(Strict):
    state: StatusKind = StatusKind.active
    effective_date: date | None = None
    replaced_by: list[str] = Field(default_factory=list)  # procedure ids
    note: str | None = None

    @model_validator(mode="after")
    def _abolished_has_date(self) -> Status:
        if self.state is StatusKind.abolished and self.effective_date is None:
            raise ValueError("an abolished procedure needs effective_date")
        return self


class SourceKind(str, Enum):
    portal = "portal"  # official record on the national public service portal
    legal_text = "legal_text"  # checked against the legal text itself
    written_by_us = "written_by_us"  # written by the project from the legal basis named


class Source(Strict):
    kind: SourceKind
    reference: str = Field(min_length=3)  # portal code + publishing decision, or the legal text
    url: str | None = None
    checked_at: date
    unverified: list[str] = Field(default_factory=list)  # fields left empty because not verified
    # Provenance and parsing remarks for maintainers; never shown to citizens. Each remark starts
    # with the field path it concerns, e.g. "channels[in_person].time: the portal gives 1 ...".
    remarks: list[str] = Field(
        default_factory=list,
        description="Provenance and parsing remarks for maintainers; never shown to citizens. "
                    "Each starts with the field path it concerns, e.g. "
                    "'channels[in_person].time: ...'.",
    )

    @field_validator("remarks")
    @classmethod
    def _remark_names_its_field(cls, v: list[str]) -> list[str]:
        for remark in v:
            if not REMARK_RE.match(remark):
                raise ValueError(f"a remark starts with the field path it concerns, e.g. "
                                 f"'channels[online].fee: ...' (got {remark[:60]!r})")
        return v


class ProvinceOverride(Strict):
    province: str
    time: ProcessingTime | None = None
    fee: Fee | None = None
    agency: str | None = None
    address: str | None = None
    note: str | None = None


# "cấp trung ương" is the portal's "Cấp bộ"; "cơ quan khác" is the portal's "Cơ quan khác" (an
# agency outside the administrative levels, e.g. a bank branch or a test centre).
Level = Literal["cấp trung ương", "cấp tỉnh", "cấp xã", "cơ quan khác"]


class Procedure(Strict):
    id: str
    code: str | None = None  # official code like 1.001193; null when not verified
    name: str = Field(min_length=5)
    aliases: list[str] = Field(default_factory=list)
    field: str = Field(min_length=3)  # lĩnh vực
    levels: list[Level] = Field(min_length=1)
    agency: str = Field(min_length=3)
    who: str | None = None
    channels: list[Channel] = Field(min_length=1)
    documents: list[Document] = Field(default_factory=list)
    steps: list[str] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    result: str | None = None
    legal_basis: list[LegalBasis] = Field(default_factory=list)
    status: Status = Field(default_factory=Status)
    online_url: str | None = None
    updated_at: date
    source: Source
    example_questions: list[str] = Field(min_length=5)
    province_overrides: list[ProvinceOverride] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id_is_slug(cls, v: str) -> str:
        if not ID_RE.match(v):
            raise ValueError("id must be a lowercase ASCII slug like 'dang-ky-khai-sinh'")
        return v

    @field_validator("code")
    @classmethod
    def _code_format(cls, v: str | None) -> str | None:
        if v is not None and not CODE_RE.match(v):
            raise ValueError("code must look like 1.001193 (or be null when not verified)")
        return v

    @property
    def is_current(self) -> bool:
        return self.status.state is not StatusKind.abolished

    def all_names(self) -> list[str]:
        return [self.name, *self.aliases]


class FaqEntry(Strict):
    id: str
    question: str = Field(min_length=5)
    answer: str = Field(min_length=10)
    topic: str  # e.g. "một cửa", "dịch vụ công trực tuyến", "bưu chính", "tra cứu hồ sơ", ...
    alt_questions: list[str] = Field(default_factory=list)
    related_procedures: list[str] = Field(default_factory=list)  # procedure ids
    source: Source

    @field_validator("id")
    @classmethod
    def _id_is_slug(cls, v: str) -> str:
        if not ID_RE.match(v):
            raise ValueError("id must be a lowercase ASCII slug")
        return v


class GlossaryEntry(Strict):
    term: str  # abbreviation or colloquial word, e.g. "sổ đỏ", "CCCD"
    canonical: str  # canonical term, e.g. "Giấy chứng nhận quyền sử dụng đất"
    note: str | None = None


class Glossary(Strict):
    entries: list[GlossaryEntry] = Field(min_length=1)


class UnservedProcedure(Strict):
    """A national procedure the catalogue knows of but does not serve (a province profile's
    ``unserved.yaml``): only what recognises a question about it, never an answer's facts."""

    code: str
    name: str = Field(min_length=5)
    field: str
    levels: list[str] = Field(default_factory=list)
    who: str | None = None

    @field_validator("code")
    @classmethod
    def _code_format(cls, v: str) -> str:
        if not CODE_RE.match(v):
            raise ValueError("code must look like 1.001193")
        return v


class UnservedList(Strict):
    """``unserved.yaml``: procedures of the portal import that the profile does not serve, so
    that a question about one is told "not in this province's catalogue" instead of getting a
    served neighbour's answer."""

    note: str | None = None
    procedures: list[UnservedProcedure] = Field(default_factory=list)
