"""The flattened JSON crawl (``dvc-json/<agency>/<code>.json``).

The portal's HTML tables were flattened without separators, e.g.
``Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến7 Ngày làm việc10,000 Việt Nam Đồng(...)``.
About one record in five lost the unit of time (``Trực tuyến7Miễn phí``); the unit is then taken
from the record's own text when it names that number with a unit, and a remark for maintainers
(``PortalRecord.notes``, then ``source.remarks``) says so; the channel's note only quotes the
record.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from indexer.catalog.schema import Channel, Document, Fee, LegalBasis, ProcessingTime
from indexer.portal.record import (
    PortalRecord,
    RecordError,
    channel_remark,
    document,
    legal_basis,
    optional,
    split_lines,
)
from indexer.portal.values import (
    UNITS,
    amount,
    channel_kind,
    clean,
    description_time,
    is_empty,
    levels,
    make_time,
    number,
    parse_time,
    procedure_name,
    unit_for_value,
)

CHANNEL_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
_CHANNEL_RE = re.compile(
    r"(Trực tiếp|Trực tuyến|Dịch vụ bưu chính(?: công ích)?)(?=\d|[A-ZĐ][^A-Z])"
)
_TIME_RE = re.compile(r"(\d+(?:[.,]\d+)?) (Ngày làm việc|Ngày|Giờ|Tháng)")
_BARE_TIME_RE = re.compile(r"(\d+(?:[.,]\d+)?)(?=Miễn phí|Không có thông tin)")
_FEE_RE = re.compile(r"Miễn phí|Không có thông tin|(\d[\d.,]*) (Việt Nam Đồng|VNĐ|Đồng|USD)")
_TEXT_TIME_RE = re.compile(
    r"(.{1,300}?)(?=Miễn phí|Không có thông tin|\d[\d.,]* (?:Việt Nam Đồng|VNĐ|Đồng|USD))"
)
_GLUED_RE = re.compile(r"(\d+)(\d[\d.,]*) (Việt Nam Đồng|VNĐ|Đồng|USD)")
NO_UNIT = "the portal record gives {value} without a unit of time"
# A bare "1" is a placeholder far more often than a time: of the 29 codes of the cross-check
# whose crawl has a bare 1 and whose Word export states a time, only 2 say "1 <unit>" (the rest
# "trong ngày", "5 ngày làm việc"...). A "01 ngày làm việc" in the steps is then an intermediate
# deadline, not the limit, so no unit is looked up for it.
NO_UNIT_FOR_ONE = " (a bare 1 is usually a placeholder; no unit is taken from the steps)"


def _paren(text: str) -> tuple[str, str]:
    """Split a leading balanced "(...)" off ``text``: (inside, rest)."""
    if not text.startswith("("):
        return "", text
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            return text[1:i], text[i + 1:]
    return text[1:], ""


def _fee(match: re.Match[str], note: str) -> Fee | None:
    if match.group(0) == "Miễn phí":
        return Fee(free=True, text=note or None)
    if match.group(0) == "Không có thông tin":
        return Fee(text=note) if note else None
    value = amount(match.group(1))
    if match.group(2) == "USD" or value is None:
        return Fee(text=f"{match.group(0)} {note}".strip())
    return Fee(free=value == 0, amount_vnd=value or None, text=note or None)


def _split_glued(digits: str, currency: str, note: str) -> tuple[float, re.Match[str]] | None:
    """ "Trực tuyến1100 VNĐ(... 100.000 đồng ...)": the time lost its unit and touches the fee.

    The split is taken only when the fee's own note names the amount that remains.
    """
    for cut in range(1, len(digits)):
        time_part, fee_part = digits[:cut], digits[cut:]
        if fee_part.startswith("0") or amount(fee_part) is None:
            continue
        if re.search(rf"(?<![\d.,]){re.escape(fee_part)}(?![\d])", note):
            fee_match = _FEE_RE.fullmatch(f"{fee_part} {currency}")
            if fee_match:
                return float(time_part), fee_match
    return None


def parse_channels(text: str, context: list[str]) -> tuple[list[Channel], list[str]]:
    """Channel/time/fee triples from the flattened "Cách thức thực hiện" field, and the remarks
    for maintainers on what had to be guessed ("channels[online].time: ...")."""
    text = clean(text).replace("\n", " ")
    text = text.removeprefix(CHANNEL_HEADER)
    starts = list(_CHANNEL_RE.finditer(text))
    channels: list[Channel] = []
    notes: list[str] = []
    for i, start in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        kind = channel_kind(start.group(1))
        body = text[start.end():end]
        time: ProcessingTime | None = None
        bare: float | None = None
        fee_match: re.Match[str] | None = None
        if m := _TIME_RE.match(body):
            time = make_time(number(m.group(1)), UNITS[m.group(2).lower()])
            body = body[m.end():]
        elif m := _BARE_TIME_RE.match(body):
            bare = number(m.group(1))
            body = body[m.end():]
        elif body.startswith("Không có thông tin"):
            body = body[len("Không có thông tin"):]
        elif m := _GLUED_RE.match(body):
            fee_note, _ = _paren(body[m.end():])
            split = _split_glued(m.group(1) + m.group(2), m.group(3), fee_note)
            if split:
                bare, fee_match = split
            elif kind is not None:  # neither the time nor the fee can be told apart: both empty
                notes.append(channel_remark(kind, None,
                                            f"time and fee run together ('{m.group(0)}')"))
            body = body[m.end():]
        elif m := _TEXT_TIME_RE.match(body):
            time = parse_time(m.group(1))
            body = body[m.end():]
        if fee_match is None and not (m and m.re is _GLUED_RE):
            fee_match = _FEE_RE.match(body)
            body = body[fee_match.end():] if fee_match else body
        fee_note, description = _paren(body)
        fee = _fee(fee_match, clean(fee_note)) if fee_match else None
        description = description.strip()
        if kind is None:
            continue
        remark = None
        if bare is None and time is None:
            time, remark = description_time(description)
        if bare is not None and time is None:
            unit = unit_for_value(bare, [description, *context]) if bare != 1 else None
            if unit is not None:
                time = make_time(bare, unit)
                remark = (f"unit not in the portal table; taken from the procedure text "
                          f"('{bare:g} {unit.value}')")
            else:
                remark = NO_UNIT.format(value=f"{bare:g}") + (NO_UNIT_FOR_ONE if bare == 1 else "")
        if remark:
            notes.append(channel_remark(kind, "time", remark))
        channels.append(Channel(kind=kind, time=time, fee=fee, note=description[:600] or None))
    return channels, notes


# "<n> bản chính"; after a date "24/07/20231 bản chính" the count is what follows the year
_DOC_COUNT = r"(?:(?<=/\d{4})|(?<!\d))\d{1,3} bản (?:chính|sao)"
_DOC_SPLIT_RE = re.compile(rf"({_DOC_COUNT}(?:,\s*\d{{1,3}} bản (?:chính|sao))*)")
_DOC_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
_FORM_EXT_RE = re.compile(r"\.(?:docx?|pdf|xlsx?|rtf)$", re.IGNORECASE)


def _split_form(name: str) -> tuple[str, str | None]:
    """ "Tờ khai theo mẫuMau_01.docx" -> ("Tờ khai theo mẫu", "Mau_01.docx"): the form's file
    name is glued to the document name; it starts where a lower-case letter (or "." / ")") is
    followed by an upper-case letter or a digit, within the last 60 characters."""
    ext = _FORM_EXT_RE.search(name)
    if not ext:
        return name, None
    for i in range(max(1, ext.start() - 60), ext.start()):
        before, after = name[i - 1], name[i]
        if (before.islower() or before in ".)") and (after.isupper() or after.isdigit()):
            return name[:i].strip(), name[i:].strip()
    return name, None


def parse_documents(text: str) -> list[Document]:
    """Documents from the flattened "Thành phần hồ sơ" field: "<name><form?><n> bản chính"."""
    text = clean(text).replace("\n", " ").replace(_DOC_HEADER, " ")
    parts = _DOC_SPLIT_RE.split(text)
    docs: list[Document] = []
    for name, count in zip(parts[0::2], parts[1::2]):
        originals = sum(int(n) for n in re.findall(r"(\d+) bản chính", count))
        copies = sum(int(n) for n in re.findall(r"(\d+) bản sao", count))
        name = re.sub(r"^.*?(?:Giấy tờ phải (?:nộp|xuất trình)|Bao gồm)\s*:?", "", name).strip()
        name, form = _split_form(name)
        if doc := document(name, form, originals, copies):
            docs.append(doc)
    return docs


_LAW_HEADER = "Tên văn bản pháp lýMã văn bản"
_LAW_START_RE = re.compile(r"(?<![\d/])\d{1,4}(?:\.\d{1,3})?/\d{4}/")
_LAW_RUN_RE = re.compile(r"(?:[A-ZĐ]+-)*(?:UBTVQH|QH)\d{2}|[A-ZĐ]+(?:-[A-ZĐ]+)*")
_QH_GLUED_RE = re.compile(r"(QH\d{2})(?=\d)")  # "Luật 65/2006/QH1165/2006/QH11"
_LAW_PREFIX_RE = re.compile(r"(?:Luật|Nghị định|Thông tư|Quyết định|Nghị quyết|Pháp lệnh)\s+"
                            r"(?:số\s+)?$")


def _law_suffix(text: str, start: int) -> str | None:
    """The symbol after "123/2015/" that ends where the next title begins (upper then lower
    case: "NĐ-CPQuy chế ..."); ``None`` for a number quoted inside a title ("NĐ-CP ngày ...")."""
    run = _LAW_RUN_RE.match(text, start)
    if not run:
        return None
    symbol = run.group(0)
    if symbol.endswith("TT") and text[run.end():run.end() + 1] == "g":
        symbol += "g"  # QĐ-TTg
    for k in range(len(symbol), 0, -1):
        rest = text[start + k:start + k + 2]
        if len(rest) == 2 and rest[0].isupper() and rest[1].islower():
            return symbol[:k]
    after = text[start + len(symbol):]
    if not after.strip() or after[:1].islower():  # the end, or a title in lower case
        return symbol
    if after[:1] == " " and after[1:2].isupper() and after[2:3].islower():  # "NQ-CP Thông tư"
        return symbol
    return None


def parse_legal_basis(text: str) -> list[LegalBasis]:
    """ "<title><number><title><number>...": a number closes each title."""
    text = clean(text).replace("\n", " ").replace(_LAW_HEADER, "")
    text = _QH_GLUED_RE.sub(r"\1 ", text)
    found: list[LegalBasis] = []
    seen: set[str] = set()
    pos = 0
    for m in _LAW_START_RE.finditer(text):
        if m.start() < pos:
            continue
        suffix = _law_suffix(text, m.end())
        if suffix is None:
            continue
        number = m.group(0) + suffix
        title = text[pos:m.start()].strip()
        stripped = _LAW_PREFIX_RE.sub("", title).strip()
        title = stripped if stripped else (title + " " + number).strip()
        pos = m.end() + len(suffix)
        if number not in seen and (basis := legal_basis(number, title)):
            seen.add(number)
            found.append(basis)
    return found


def _result(text: str) -> str | None:
    text = clean(text).replace("\n", " ")
    text = re.split(r"Từ khóa", text)[0]
    names = [n.strip() for n in re.split(r"Mã: KQ[.\w]*", text) if n.strip()]
    return "; ".join(names) or None


def parse_flat_json(path: Path) -> PortalRecord:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError(f"cannot read JSON: {exc}") from exc
    if not isinstance(data, dict) or not data.get("ma_thu_tuc"):
        raise RecordError("no 'ma_thu_tuc' (procedure code) in the record")
    steps = split_lines(data.get("trinh_tu_thuc_hien"))
    context = [clean(data.get("trinh_tu_thuc_hien")), clean(data.get("raw_text"))]
    channels, notes = parse_channels(data.get("cach_thuc_thuc_hien", ""), context)
    agency = data.get("co_quan_thuc_hien")
    if is_empty(agency):
        agency = data.get("co_quan_co_tham_quyen")
    return PortalRecord(
        code=clean(data["ma_thu_tuc"]).strip(),
        source="dvc-json",
        path=str(path),
        name=procedure_name(data.get("ten_thu_tuc", "")),
        decision=clean(data.get("so_quyet_dinh")).strip(),
        levels=levels(data.get("cap_thuc_hien", "")),
        field=clean(data.get("linh_vuc")).strip(),
        agency=optional(agency) or "",
        who=optional(data.get("doi_tuong_thuc_hien")),
        channels=channels,
        documents=parse_documents(data.get("thanh_phan_ho_so", "")),
        legal_basis=parse_legal_basis(data.get("can_cu_phap_ly", "")),
        steps=steps,
        conditions=split_lines(data.get("yeu_cau_dieu_kien")),
        result=_result(data.get("ket_qua_xu_ly", "")),
        url=optional(data.get("detail_url")),
        notes=notes,
    )
