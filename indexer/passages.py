"""Cut the catalogue into passages: one per procedure aspect, one per example question, one
per FAQ entry (plus its alternative questions), and one per procedure known but not served
(kind ``unserved``: its name, field, level and who, shaped like an overview, so a question
about it can be recognised). Each passage has a content-hash id.

The passage text is composed from catalogue fields only; it is what the encoders and BM25 see
and what ``search`` shows as the matched evidence.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from indexer.catalog.loader import Catalog
from indexer.catalog.schema import (Channel, ChannelKind, FaqEntry, Fee, Procedure, ProcessingTime,
                                    UnservedProcedure)

PROCEDURE = "procedure"
FAQ = "faq"
UNSERVED = "unserved"  # a procedure known (portal import) but not served by this catalogue
EXAMPLES = "examples"  # aspect of passages made of example questions (for matching only)

CHANNEL_LABEL = {
    ChannelKind.in_person: "Trực tiếp",
    ChannelKind.online: "Trực tuyến",
    ChannelKind.postal: "Qua dịch vụ bưu chính",
}
COPY_LABEL = {
    "original": "bản chính",
    "copy": "bản sao",
    "certified_copy": "bản sao có chứng thực",
    "original_or_copy": "bản chính hoặc bản sao",
    "present": "xuất trình",
}


@dataclass(frozen=True)
class Passage:
    id: str  # sha256 of kind, owner, aspect and text (first 16 hex digits)
    kind: str  # "procedure" | "faq" | "unserved"
    owner_id: str  # procedure id, FAQ id or (unserved) the official code
    aspect: str  # overview, documents, time, fee, place, online, steps, ... | faq | examples
    text: str

    @property
    def procedure_id(self) -> str | None:
        return self.owner_id if self.kind == PROCEDURE else None

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Passage:
        return cls(**data)


def passage_id(kind: str, owner_id: str, aspect: str, text: str) -> str:
    payload = "\x1f".join((kind, owner_id, aspect, text)).encode("utf-8")
    return hashlib.sha256(payload).hexdigest()[:16]


def make_passage(kind: str, owner_id: str, aspect: str, text: str) -> Passage:
    return Passage(passage_id(kind, owner_id, aspect, text), kind, owner_id, aspect, text)


def format_time(time: ProcessingTime | None) -> str:
    if time is None:
        return "chưa có thông tin đã kiểm chứng"
    if time.value is None:
        text = time.unit.value
    else:
        value = int(time.value) if float(time.value).is_integer() else time.value
        text = f"{value} {time.unit.value}"
    return f"{text} ({time.note})" if time.note else text


def _vnd(amount: int) -> str:
    return f"{amount:,} đồng".replace(",", ".")


def fee_rate(fee: Fee) -> str:
    """The rate itself ("miễn phí", "35.000 đồng (text)" or the text), without its period."""
    if fee.free:
        return "miễn phí"
    if fee.amount_vnd is not None:
        return _vnd(fee.amount_vnd) + (f" ({fee.text})" if fee.text else "")
    return fee.text or ""


def fee_period(fee: Fee) -> str:
    """ "áp dụng từ 01/07/2025 đến hết ngày 31/12/2026" for a temporary rate, else ""."""
    start = fee.valid_from.strftime("%d/%m/%Y") if fee.valid_from else ""
    end = fee.valid_until.strftime("%d/%m/%Y") if fee.valid_until else ""
    if start and end:
        return f"áp dụng từ {start} đến hết ngày {end}"
    if end:
        return f"áp dụng đến hết ngày {end}"
    return f"áp dụng từ ngày {start}" if start else ""


def standard_rate(fee: Fee) -> str:
    """The stated rate outside the temporary period ("70.000 đồng (text)"), or ""."""
    if fee.standard_amount_vnd is not None:
        text = _vnd(fee.standard_amount_vnd)
        return text + (f" ({fee.standard_text})" if fee.standard_text else "")
    return fee.standard_text or ""


def format_fee(fee: Fee | None) -> str:
    """Fee text for the index. Built offline, so it never calls a temporary rate current: it
    gives the rate with its period and the stated rate outside it."""
    if fee is None:
        return "chưa có thông tin đã kiểm chứng"
    text = fee_rate(fee)
    if fee.is_temporary:
        text += f", {fee_period(fee)}"
        if fee.has_standard:
            text += f"; mức thu ngoài thời gian này: {standard_rate(fee)}"
    return f"{text}; miễn, giảm: {fee.exemptions}" if fee.exemptions else text


def _per_channel(channels: list[Channel], field: str) -> str:
    parts = []
    for ch in channels:
        value = format_time(ch.time) if field == "time" else format_fee(ch.fee)
        parts.append(f"{CHANNEL_LABEL[ch.kind]}: {value}")
    return "; ".join(parts)


def _status_sentence(p: Procedure) -> str:
    if p.is_current:
        return ""
    date = p.status.effective_date.strftime("%d/%m/%Y") if p.status.effective_date else ""
    return f" Thủ tục này đã bị bãi bỏ từ ngày {date}."


def _overview(name: str, aliases: list[str], field: str, levels: list[str],
              who: str | None) -> str:
    text = name
    if aliases:
        text += ". Tên gọi khác: " + "; ".join(aliases)
    text += f". Lĩnh vực: {field}."
    if levels:
        text += f" Cấp thực hiện: {', '.join(levels)}."
    if who:
        text += f" Đối tượng thực hiện: {who}."
    return text


def procedure_aspects(p: Procedure) -> Iterator[tuple[str, str]]:
    """(aspect, text) pairs for one procedure; empty aspects are left out."""
    head = p.name
    yield "overview", _overview(p.name, p.aliases, p.field, p.levels, p.who) + _status_sentence(p)
    if p.documents:
        docs = []
        for d in p.documents:
            item = d.name
            extra = [COPY_LABEL[d.copy_kind]] if d.copy_kind else []
            if d.quantity:
                extra.append(f"{d.quantity} bộ" if d.quantity > 1 else "01 bản")
            if d.form:
                extra.append(f"mẫu {d.form}")
            if d.condition:
                extra.append(d.condition)
            docs.append(item + (f" ({', '.join(extra)})" if extra else ""))
        yield "documents", f"{head}: hồ sơ, giấy tờ cần nộp: " + "; ".join(docs) + "."
    yield "time", f"{head}: thời hạn giải quyết: {_per_channel(p.channels, 'time')}."
    yield "fee", f"{head}: phí, lệ phí: {_per_channel(p.channels, 'fee')}."
    kinds = ", ".join(CHANNEL_LABEL[c.kind].lower() for c in p.channels)
    yield "place", f"{head}: nơi nộp hồ sơ, cơ quan thực hiện: {p.agency}. Cách nộp: {kinds}."
    online = [c for c in p.channels if c.kind is ChannelKind.online]
    if online:
        text = f"{head}: có thể nộp hồ sơ trực tuyến trên Cổng Dịch vụ công"
        text += f" ({p.online_url})." if p.online_url else "."
    else:
        text = f"{head}: chưa hỗ trợ nộp hồ sơ trực tuyến; nộp {kinds}."
    yield "online", text
    if p.steps:
        yield "steps", f"{head}: trình tự thực hiện: " + " ".join(
            f"Bước {i}: {s}" for i, s in enumerate(p.steps, 1)
        )
    if p.conditions:
        yield "conditions", f"{head}: điều kiện: " + "; ".join(p.conditions) + "."
    if p.result:
        yield "result", f"{head}: kết quả: {p.result}"
    if p.legal_basis:
        laws = "; ".join(f"{lb.number} {lb.title}" for lb in p.legal_basis)
        yield "legal_basis", f"{head}: căn cứ pháp lý: {laws}."


def procedure_passages(p: Procedure) -> list[Passage]:
    out = [make_passage(PROCEDURE, p.id, aspect, text) for aspect, text in procedure_aspects(p)]
    seen = set()
    for question in p.example_questions:
        if question not in seen:
            seen.add(question)
            out.append(make_passage(PROCEDURE, p.id, EXAMPLES, question))
    return out


def faq_passages(entry: FaqEntry) -> list[Passage]:
    out = [make_passage(FAQ, entry.id, FAQ, f"{entry.question} {entry.answer}")]
    for question in dict.fromkeys(entry.alt_questions):
        out.append(make_passage(FAQ, entry.id, EXAMPLES, question))
    return out


def unserved_passage(u: UnservedProcedure) -> Passage:
    """The one passage of a procedure known but not served: written like the overview of an
    imported record (which has no aliases), so the two compete on equal terms."""
    return make_passage(UNSERVED, u.code, "overview",
                        _overview(u.name, [], u.field, u.levels, u.who))


def build_passages(catalog: Catalog) -> list[Passage]:
    """All passages of a catalogue in a stable order (procedures, FAQ, then unserved)."""
    passages: list[Passage] = []
    for procedure in catalog.procedures:
        passages.extend(procedure_passages(procedure))
    for entry in catalog.faqs:
        passages.extend(faq_passages(entry))
    passages.extend(unserved_passage(u) for u in catalog.unserved)
    return passages
