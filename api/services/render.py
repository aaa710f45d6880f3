"""Vietnamese answer text for one aspect of a procedure, from catalogue fields only.

Nothing here guesses: a field that is empty in the catalogue is reported as "chưa có thông
tin" with the hotline.
"""

from __future__ import annotations

from datetime import date

from indexer.catalog.schema import (
    Channel,
    ChannelKind,
    Document,
    Fee,
    ProcessingTime,
    Procedure,
    TimeUnit,
)
from indexer.passages import fee_period, fee_rate, standard_rate

CHANNEL_LABEL = {
    ChannelKind.in_person: "Nộp trực tiếp",
    ChannelKind.online: "Nộp trực tuyến",
    ChannelKind.postal: "Nộp qua dịch vụ bưu chính",
}
COPY_LABEL = {
    "original": "bản chính",
    "copy": "bản sao",
    "certified_copy": "bản sao có chứng thực",
    "original_or_copy": "bản chính hoặc bản sao",
    "present": "xuất trình bản chính",
}


def missing(what: str, hotline: str) -> str:
    return (f"Hiện chưa có thông tin về {what}. Anh/Chị vui lòng gọi tổng đài {hotline} "
            "để được hướng dẫn.")


def vn_date(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def format_time(t: ProcessingTime) -> str:
    if t.unit is TimeUnit.same_day:
        text = "trong ngày"
    else:
        value = t.value or 0
        shown = str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")
        text = f"{shown} {t.unit.value}"
    return f"{text} ({t.note})" if t.note else text


def format_fee(fee: Fee, *, today: date | None = None) -> str:
    """A fee as of ``today`` (default: the real date). A temporary rate is given with its
    period while it applies; after its end it is said to have applied until then and changed,
    with the standard rate where the record states it."""
    day = today or date.today()
    rate = fee_rate(fee)
    if not fee.is_temporary:
        text = rate
    elif fee.in_force(day):
        text = f"{rate}, {fee_period(fee)}"
        if fee.has_standard:
            text += f"; mức thu ngoài thời gian này: {standard_rate(fee)}"
    else:
        what = "Việc miễn phí" if fee.free else f"Mức {rate}"
        if fee.expired(day):
            assert fee.valid_until is not None
            text = (f"{what} chỉ áp dụng đến hết ngày {vn_date(fee.valid_until)} "
                    "và nay đã thay đổi")
        else:
            assert fee.valid_from is not None
            text = f"{what} chỉ áp dụng từ ngày {vn_date(fee.valid_from)}"
        text += (f"; mức thu theo quy định: {standard_rate(fee)}" if fee.has_standard
                 else "; danh mục chưa ghi mức thu hiện hành")
    if fee.exemptions:
        text += f". Miễn, giảm: {fee.exemptions}"
    return text


def format_document(doc: Document) -> str:
    parts = [doc.name]
    extra = []
    if doc.quantity:
        extra.append(f"{doc.quantity} bản")
    if doc.copy_kind:
        extra.append(COPY_LABEL[doc.copy_kind])
    if extra:
        parts.append(f"({', '.join(extra)})")
    line = " ".join(parts)
    if doc.form:
        line += f"; mẫu: {doc.form}"
    if doc.condition:
        line += f"; {doc.condition}"
    return f"- {line}"


TIME_WORDS = ("ngày", "giờ", "thời hạn", "tháng", "giải quyết")
FEE_WORDS = ("đồng", "phí", "mức thu", "miễn", "nộp tiền", "thanh toán")


def _note_is_about(note: str, words: tuple[str, ...], other: tuple[str, ...]) -> bool:
    """A channel note is shown with the aspect it talks about, not with the other one."""
    low = note.lower()
    return any(w in low for w in words) and not any(w in low for w in other)


def _per_channel(proc: Procedure, what: str, pick, fmt, hotline: str,  # type: ignore[no-untyped-def]
                 words: tuple[str, ...], other: tuple[str, ...]) -> str:
    lines = []
    unknown = []
    for ch in proc.channels:
        value = pick(ch)
        label = CHANNEL_LABEL[ch.kind]
        if value is None:
            unknown.append(label.lower())
            lines.append(f"- {label}: chưa có thông tin")
        else:
            shown = ch.note and _note_is_about(ch.note, words, other)
            note = f" ({ch.note})" if shown else ""
            lines.append(f"- {label}: {fmt(value)}{note}")
    if len(unknown) == len(proc.channels):
        return missing(f"{what} của thủ tục {proc.name}", hotline)
    text = f"{what[0].upper()}{what[1:]} của thủ tục {proc.name}:\n" + "\n".join(lines)
    if unknown:
        text += f"\nVới hình thức chưa có thông tin, Anh/Chị vui lòng gọi tổng đài {hotline}."
    return text


def render_documents(proc: Procedure, hotline: str) -> str:
    if not proc.documents:
        return missing(f"thành phần hồ sơ của thủ tục {proc.name}", hotline)
    return f"Hồ sơ thủ tục {proc.name} gồm:\n" + "\n".join(
        format_document(d) for d in proc.documents)


def render_time(proc: Procedure, hotline: str) -> str:
    return _per_channel(proc, "thời hạn giải quyết", lambda ch: ch.time, format_time, hotline,
                        TIME_WORDS, FEE_WORDS)


def render_fee(proc: Procedure, hotline: str, *, today: date | None = None) -> str:
    day = today or date.today()
    text = _per_channel(proc, "phí, lệ phí", lambda ch: ch.fee,
                        lambda fee: format_fee(fee, today=day), hotline, FEE_WORDS, TIME_WORDS)
    if any(_amount_unknown(ch.fee, day) for ch in proc.channels):
        text += (f"\nVề số tiền phải nộp hiện nay, Anh/Chị vui lòng gọi tổng đài {hotline} "
                 "để được hướng dẫn.")
    return text


def _amount_unknown(fee: Fee | None, day: date) -> bool:
    """A temporary rate out of its period whose standard amount the record does not give."""
    return (fee is not None and fee.is_temporary and not fee.in_force(day)
            and fee.standard_amount_vnd is None)


def channel_kinds(proc: Procedure) -> str:
    return ", ".join(CHANNEL_LABEL[ch.kind].lower() for ch in proc.channels)


def render_place(proc: Procedure, hotline: str) -> str:
    levels = ", ".join(proc.levels)
    return (f"Thủ tục {proc.name} do {proc.agency} giải quyết ({levels}).\n"
            f"Hình thức: {channel_kinds(proc)}.")


def render_online(proc: Procedure, hotline: str) -> str:
    online: Channel | None = next(
        (ch for ch in proc.channels if ch.kind is ChannelKind.online), None)
    if online is None:
        return (f"Danh mục chưa ghi nhận hình thức nộp trực tuyến cho thủ tục {proc.name}. "
                f"Hình thức hiện có: {channel_kinds(proc)}. Anh/Chị có thể gọi tổng đài "
                f"{hotline} để được hướng dẫn thêm.")
    if proc.online_url:
        return f"Thủ tục {proc.name} có thể nộp trực tuyến tại: {proc.online_url}"
    return (f"Thủ tục {proc.name} có thể nộp trực tuyến. Danh mục chưa có đường dẫn nộp hồ sơ; "
            f"Anh/Chị vui lòng gọi tổng đài {hotline} để được hướng dẫn.")


def render_steps(proc: Procedure, hotline: str) -> str:
    if not proc.steps:
        return missing(f"trình tự thực hiện thủ tục {proc.name}", hotline)
    return f"Trình tự thực hiện thủ tục {proc.name}:\n" + "\n".join(
        f"{i}. {s}" for i, s in enumerate(proc.steps, 1))


def render_conditions(proc: Procedure, hotline: str) -> str:
    if not proc.conditions:
        return missing(f"yêu cầu, điều kiện của thủ tục {proc.name}", hotline)
    return f"Yêu cầu, điều kiện của thủ tục {proc.name}:\n" + "\n".join(
        f"- {c}" for c in proc.conditions)


def render_legal_basis(proc: Procedure, hotline: str) -> str:
    if not proc.legal_basis:
        return missing(f"căn cứ pháp lý của thủ tục {proc.name}", hotline)
    lines = []
    for lb in proc.legal_basis:
        when = f" ngày {vn_date(lb.date)}" if lb.date else ""
        lines.append(f"- {lb.title} số {lb.number}{when}")
    return f"Căn cứ pháp lý của thủ tục {proc.name}:\n" + "\n".join(lines)


def render_overview(proc: Procedure, hotline: str) -> str:
    lines = [f"Thủ tục {proc.name}", f"Lĩnh vực: {proc.field}.",
             f"Cơ quan thực hiện: {proc.agency} ({', '.join(proc.levels)})."]
    if proc.who:
        lines.append(f"Đối tượng thực hiện: {proc.who}.")
    lines.append("Anh/Chị muốn biết về giấy tờ, thời hạn, lệ phí hay nơi nộp hồ sơ?")
    return "\n".join(lines)


# The aspects rendered here; ``render_details.RENDERERS`` adds result, deadline, validity, who
# and forms (the map the composer uses).
RENDERERS = {
    "overview": render_overview,
    "documents": render_documents,
    "time": render_time,
    "fee": render_fee,
    "place": render_place,
    "steps": render_steps,
    "online": render_online,
    "conditions": render_conditions,
    "legal_basis": render_legal_basis,
}


def citation_label(proc: Procedure) -> str:
    code = f" (mã {proc.code})" if proc.code else ""
    label = f"Nguồn: {proc.name}{code}"
    if proc.legal_basis:
        label += "; căn cứ: " + ", ".join(lb.number for lb in proc.legal_basis[:3])
    return label


def citation_url(proc: Procedure) -> str | None:
    return proc.source.url or proc.online_url
