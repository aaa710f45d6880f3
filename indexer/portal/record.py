"""One official record as read from a portal file, before it becomes a catalogue ``Procedure``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as _field
from datetime import date, datetime

from indexer.catalog.schema import Channel, ChannelKind, Document, LegalBasis
from indexer.portal.values import clean, description_time, is_empty, parse_fee_cell, parse_time

SOURCES = ("dvc-docx", "dvc-bqp", "dvc-json")  # preference order when a code is in several


class RecordError(ValueError):
    """A portal file that cannot be read as a procedure record (the message says why)."""


@dataclass
class PortalRecord:
    code: str
    source: str  # one of SOURCES
    path: str
    name: str = ""
    decision: str = ""  # the decision that published the record, e.g. "163/QĐ-BTP"
    levels: list[str] = _field(default_factory=list)
    field: str = ""
    agency: str = ""
    who: str | None = None
    channels: list[Channel] = _field(default_factory=list)
    documents: list[Document] = _field(default_factory=list)
    legal_basis: list[LegalBasis] = _field(default_factory=list)
    steps: list[str] = _field(default_factory=list)
    conditions: list[str] = _field(default_factory=list)
    result: str | None = None
    url: str | None = None
    # what the parser had to guess or drop, for maintainers only: each note starts with the field
    # path it concerns ("channels[online].time: ...") and ends in the procedure's source.remarks
    notes: list[str] = _field(default_factory=list)

    @property
    def has_time(self) -> bool:
        return any(c.time is not None for c in self.channels)


def channel_remark(kind: ChannelKind, field: str | None, text: str) -> str:
    """A maintainer remark about one channel: "channels[online].time: <text>"."""
    return f"channels[{kind.value}]{'.' + field if field else ''}: {text}"


def channel_from_cells(kind: ChannelKind, time_cell: str, fee_cell: str,
                       description: str | None, remarks: list[str]) -> Channel:
    """A channel from a portal table row (time, fee and description cells). An empty time cell
    takes the time the description gives, and the remark saying so goes to ``remarks``."""
    time = parse_time(time_cell)
    if time is None:
        time, remark = description_time(description)
        if remark:
            remarks.append(channel_remark(kind, "time", remark))
    return Channel(kind=kind, time=time, fee=parse_fee_cell(fee_cell),
                   note=description[:600] if description else None)


def optional(text: str | None) -> str | None:
    return None if is_empty(text) else clean(text)


def split_lines(text: str | None, *, limit: int = 40) -> list[str]:
    """Steps or conditions: one item per non-empty line."""
    if is_empty(text):
        return []
    return [line.strip(" -+*") for line in clean(text).splitlines() if len(line.strip()) > 2][:limit]


def parse_date(text: str | None) -> date | None:
    text = clean(text).strip()
    for fmt in ("%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


_COPIES_RE = re.compile(r"Bản chính\s*:\s*(\d+)|Bản sao\s*:\s*(\d+)", re.IGNORECASE)


def document(name: str, form: str | None, originals: int | None, copies: int | None
             ) -> Document | None:
    """A dossier document; ``None`` for headings and fragments that are not documents."""
    name = clean(name).replace("\n", " ").strip(" -+*;")
    if len(name) < 3 or (name.endswith(":") and not originals and not copies):
        return None
    kind: str | None = None
    quantity: int | None = None
    if originals and not copies:
        kind, quantity = "original", originals
    elif copies and not originals:
        kind, quantity = "copy", copies
    form = clean(form).replace("\n", "; ") or None if form else None
    return Document(name=name[:1000], copy_kind=kind, quantity=quantity, form=form)


def copies_from_cell(text: str) -> tuple[int | None, int | None]:
    """ "Bản chính: 1Bản sao: 0" -> (1, 0)."""
    originals = copies = None
    for orig, copy in _COPIES_RE.findall(text or ""):
        if orig:
            originals = int(orig)
        if copy:
            copies = int(copy)
    return originals, copies


def legal_basis(number: str, title: str, issued: str | None = None,
                issuer: str | None = None) -> LegalBasis | None:
    number = clean(number).replace("\n", " ").strip(" .;")
    title = clean(title).replace("\n", " ").strip(" ;") or number
    if len(number) < 3:
        found = re.search(r"\d+/\d{4}/[\wĐđ-]+", title)
        if not found:
            return None
        number = found.group(0)
    return LegalBasis(number=number[:120], title=title[:1000], date=parse_date(issued),
                      issuer=optional(issuer))
