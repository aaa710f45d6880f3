"""Merge the records of one code and turn them into a catalogue ``Procedure``."""

from __future__ import annotations

from datetime import date

from indexer.catalog.expiry import stated_end
from indexer.catalog.schema import CODE_RE, Channel, Procedure, Source, SourceKind
from indexer.portal.record import SOURCES, PortalRecord, RecordError
from vntext import fold

MISSING_AGENCY = "Không có thông tin"  # what the portal itself shows; listed in source.unverified
QUESTIONS_NOTE = "example_questions are generated from the name by a template (import-portal)"
_FILLABLE = ("name", "decision", "field", "agency", "who", "result", "url")
_LISTS = ("levels", "documents", "legal_basis", "steps", "conditions")


def procedure_id(code: str) -> str:
    return "tthc-" + code.replace(".", "-")


def merge(records: list[PortalRecord]) -> PortalRecord:
    """One record per code: the Word export first (its tables are intact), then the defence
    ministry JSON, then the flattened crawl; empty fields are filled from the others."""
    ranked = sorted(records, key=lambda r: (SOURCES.index(r.source), r.path))
    merged = ranked[0]
    for other in ranked[1:]:
        for name in _FILLABLE:
            if not getattr(merged, name) and getattr(other, name):
                setattr(merged, name, getattr(other, name))
        for name in _LISTS:
            if not getattr(merged, name) and getattr(other, name):
                setattr(merged, name, list(getattr(other, name)))
        if (not merged.has_time and other.has_time) or not merged.channels:
            merged.channels = list(other.channels)
            # the remarks on the channels dropped go with them; those on the ones taken come along
            merged.notes = [n for n in merged.notes if not n.startswith("channels[")]
            merged.notes.append(f"channels: taken from {other.source} ({other.path})")
            merged.notes.extend(n for n in other.notes if n.startswith("channels["))
    return merged


def example_questions(name: str) -> list[str]:
    """Five templated citizen phrasings (one without diacritics) for an imported record."""
    topic = name[:1].lower() + name[1:]
    return [
        f"Thủ tục {topic} cần những giấy tờ gì?",
        f"{name} mất bao lâu?",
        f"Lệ phí {topic} là bao nhiêu?",
        f"{name} nộp hồ sơ ở đâu?",
        f"thu tuc {fold(topic).lower()} can giay to gi",
    ]


def to_procedure(record: PortalRecord, *, sources: list[str], today: date) -> Procedure:
    """Raises ``RecordError`` or pydantic's ``ValidationError`` when the record cannot be one."""
    if not CODE_RE.match(record.code):
        raise RecordError(f"code '{record.code}' is not an official procedure code")
    unverified = []
    agency = record.agency
    if not agency:
        agency = MISSING_AGENCY
        unverified.append("agency")
    channels, remarks = _fee_periods(record.channels)
    for i, channel in enumerate(channels):
        if channel.time is None:
            unverified.append(f"channels.{i}.time")
        if channel.fee is None:
            unverified.append(f"channels.{i}.fee")
    reference = f"Cổng Dịch vụ công quốc gia, mã {record.code}"
    if record.decision:
        reference += f", công bố tại Quyết định {record.decision}"
    reference += f" ({', '.join(sources)})"
    return Procedure(
        id=procedure_id(record.code),
        code=record.code,
        name=record.name,
        field=record.field,
        levels=record.levels,  # type: ignore[arg-type]
        agency=agency,
        who=record.who,
        channels=channels,
        documents=record.documents,
        steps=record.steps,
        conditions=record.conditions,
        result=record.result,
        legal_basis=record.legal_basis,
        updated_at=today,
        source=Source(kind=SourceKind.portal, reference=reference, url=record.url,
                      checked_at=today, unverified=unverified,
                      remarks=[*record.notes, *remarks]),
        example_questions=example_questions(record.name),
    )


def _fee_periods(channels: list[Channel]) -> tuple[list[Channel], list[str]]:
    """A fee text that states one end date ("… đến hết ngày 31/12/2026") gets ``valid_until``,
    so that after it the rate is not answered as current (the portal states no standard rate:
    answers then say the rate has changed and give the hotline)."""
    out, remarks = [], []
    for channel in channels:
        end = stated_end(channel.fee.text) if channel.fee is not None else None
        if channel.fee is not None and end is not None and channel.fee.valid_until is None:
            channel = channel.model_copy(update={
                "fee": channel.fee.model_copy(update={"valid_until": end})})
            remarks.append(f"channels[{channel.kind.value}].fee: valid_until {end.isoformat()} "
                           "taken from the end date the fee text states")
        out.append(channel)
    return out, remarks


def is_complete(procedure: Procedure) -> bool:
    """The import target: name, code, level, field and at least one channel with a time."""
    return bool(procedure.name and procedure.code and procedure.levels and procedure.field
                and any(c.time is not None for c in procedure.channels))
