"""Small parsers for the values found in portal records: times, fees, levels, channels, names."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from indexer.catalog.schema import ChannelKind, Fee, ProcessingTime, TimeUnit

NO_INFO = {"", "không có thông tin", "không có", "không", "không quy định", "-", "--"}

UNITS: dict[str, TimeUnit] = {
    "ngày làm việc": TimeUnit.working_days,
    "ngày": TimeUnit.days,
    "giờ": TimeUnit.hours,
    "tháng": TimeUnit.months,
}
UNIT_PATTERN = r"ngày làm việc|ngày|giờ|tháng"
_VALUE_UNIT_RE = re.compile(rf"(\d+(?:[.,]\d+)?)\s*({UNIT_PATTERN})\b\.?", re.IGNORECASE)
_FIRST_VALUE_UNIT_RE = re.compile(
    rf"(?<![\d/])(\d+(?:[.,]\d+)?)\s*(?:\([^)]{{1,20}}\)\s*)?({UNIT_PATTERN})\b", re.IGNORECASE
)
_SAME_DAY_RE = re.compile(r"(?:^|ngay |^trả kết quả )trong ngày", re.IGNORECASE)

CHANNELS: dict[str, ChannelKind] = {
    "trực tiếp": ChannelKind.in_person,
    "trực tuyến": ChannelKind.online,
    "dịch vụ bưu chính": ChannelKind.postal,
    "dịch vụ bưu chính công ích": ChannelKind.postal,
    "qua bưu chính": ChannelKind.postal,
}

LEVELS: dict[str, str] = {
    "cấp bộ": "cấp trung ương",
    "cấp trung ương": "cấp trung ương",
    "cấp tỉnh": "cấp tỉnh",
    "cấp xã": "cấp xã",
    "cơ quan khác": "cơ quan khác",
}

_RUNS_RE = re.compile(r" {2,}")
_NAME_PREFIX_RE = re.compile(r"^\s*thủ tục\s*[:\-–]?\s+", re.IGNORECASE)
TAIL_NOISE = ("Chọn cơ quan thực hiện", "Hệ thống chỉ hiển thị những cơ quan")


def clean(text: str | None) -> str:
    """NFC, non-breaking spaces to spaces, collapse runs of spaces, strip web-page tail noise."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    for marker in TAIL_NOISE:
        cut = text.find(marker)
        if cut >= 0:
            text = text[:cut]
    for space in ("\t", "\u00a0", "\u200b"):
        if space in text:
            text = text.replace(space, " ")
    if "  " in text:
        text = _RUNS_RE.sub(" ", text)
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def is_empty(text: str | None) -> bool:
    return clean(text).strip(" .").lower() in NO_INFO


def procedure_name(raw: str) -> str:
    """The official name without a leading "Thủ tục ", first letter upper-cased."""
    name = clean(raw).replace("\n", " ")
    name = _NAME_PREFIX_RE.sub("", name).strip(" .")
    return name[:1].upper() + name[1:]


def levels(raw: str) -> list[str]:
    found: list[str] = []
    for part in clean(raw).split(","):
        level = LEVELS.get(part.strip().lower())
        if level and level not in found:
            found.append(level)
    return found


def channel_kind(label: str) -> ChannelKind | None:
    return CHANNELS.get(clean(label).lower().rstrip(":"))


def number(text: str) -> float | None:
    text = text.strip()
    if re.fullmatch(r"\d+", text):
        return float(text)
    if re.fullmatch(r"\d+[.,]\d{1,2}", text):
        return float(text.replace(",", "."))
    return None


def make_time(value: float | None, unit: TimeUnit, note: str | None = None) -> ProcessingTime | None:
    if unit is not TimeUnit.same_day and (value is None or value <= 0):
        return None
    value = None if unit is TimeUnit.same_day else value
    if value is not None and value.is_integer():
        value = int(value)
    return ProcessingTime(value=value, unit=unit, note=note or None)


def parse_time(text: str) -> ProcessingTime | None:
    """A time cell: "05 Ngày làm việc", "8 Giờ", or free text naming a time ("Trong ngày ...")."""
    text = clean(text).replace("\n", " ")
    if text.strip(" .").lower() in NO_INFO:
        return None
    exact = _VALUE_UNIT_RE.fullmatch(text.strip())
    if exact:
        return make_time(number(exact.group(1)), UNITS[exact.group(2).lower()])
    if _SAME_DAY_RE.search(text):
        return make_time(None, TimeUnit.same_day, note=text[:400])
    first = _FIRST_VALUE_UNIT_RE.search(text)
    if first:
        return make_time(number(first.group(1)), UNITS[first.group(2).lower()], note=text[:400])
    return None


_LEADING_TIME_RE = re.compile(
    rf"^[\W\d.]{{0,4}}?(?:(?:trong )?thời (?:hạn|gian)(?: giải quyết)?(?: là)?\s*:?\s*)?"
    rf"(\d+(?:[.,]\d+)?)\s*(?:\([^)]{{1,20}}\)\s*)?({UNIT_PATTERN})\b",
    re.IGNORECASE,
)


def leading_time(text: str | None) -> ProcessingTime | None:
    """A description that opens with a time ("15 ngày làm việc kể từ ...") gives that time.

    Used only when the time cell itself is empty; a description that opens with anything else
    ("Trường hợp hồ sơ không hợp lệ: trong thời hạn 05 ngày ...") gives nothing.
    """
    text = clean(text).replace("\n", " ").strip()
    m = _LEADING_TIME_RE.match(text)
    if not m:
        return None
    return make_time(number(m.group(1)), UNITS[m.group(2).lower()], note=text[:400])


_VALID_DOSSIER_RE = re.compile(
    rf"trường hợp (?:hồ sơ )?hợp lệ\s*:\s*(?:trong thời hạn\s*)?(?:không quá\s*)?"
    rf"(\d+(?:[.,]\d+)?)\s*(?:\([^)]{{1,20}}\)\s*)?({UNIT_PATTERN})\b(?=\s*(?:[,.;]|kể từ|$))",
    re.IGNORECASE,
)


def valid_dossier_time(text: str | None) -> ProcessingTime | None:
    """The time a description gives for a valid dossier ("- Trường hợp hồ sơ hợp lệ: Trong thời
    hạn 25 ngày làm việc, kể từ ..."), the processing time when the time cell is empty.

    The "không hợp lệ" clause (a notice to complete the dossier) never matches, nor does a
    compound time ("30 ngày và 05 ngày làm việc"). The note quotes the clause.
    """
    text = clean(text).replace("\n", " ")
    m = _VALID_DOSSIER_RE.search(text)
    if not m:
        return None
    return make_time(number(m.group(1)), UNITS[m.group(2).lower()], note=m.group(0)[:200])


TIME_FROM_DESCRIPTION = "time cell empty; taken from the description"


def description_time(text: str | None) -> tuple[ProcessingTime | None, str | None]:
    """The time a channel's description gives when its time cell is empty, and the remark for
    maintainers that says where it came from (the note only quotes the portal's own text)."""
    if (time := leading_time(text)) is not None:
        return time, f"{TIME_FROM_DESCRIPTION}, which opens with it"
    if (time := valid_dossier_time(text)) is not None:
        return time, f"{TIME_FROM_DESCRIPTION}'s clause for a valid dossier"
    return None, None


def unit_for_value(value: float, texts: list[str]) -> TimeUnit | None:
    """The unit the record's own text gives the number ``value`` ("05 (năm) ngày làm việc")."""
    value = float(value)
    digits = str(int(value)) if value.is_integer() else None
    if digits is None:
        return None
    pattern = re.compile(
        rf"(?<![\d/.,])0*{digits}\s*(?:\([^)]{{1,20}}\)\s*)?({UNIT_PATTERN})\b", re.IGNORECASE
    )
    votes: Counter[TimeUnit] = Counter()
    for text in texts:
        for match in pattern.finditer(text):
            votes[UNITS[match.group(1).lower()]] += 1
    return votes.most_common(1)[0][0] if votes else None


def amount(text: str) -> int | None:
    """ "2,000,000" / "100.000" / "50000" / "15000đ" -> int VND; None when not a plain amount."""
    text = text.strip().rstrip("đ").strip()
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", text):
        return int(re.sub(r"[.,]", "", text))
    if re.fullmatch(r"\d+", text):
        return int(text)
    return None


_FEE_PART_RE = re.compile(r"(?:^|(?<=[\s)\]]))(Lệ phí|Phí)\s*:", re.IGNORECASE)
_FEE_AMOUNT_RE = re.compile(r"\s*([\d.,]+đ?)\s*(Đồng|VNĐ|VND|đồng)?", re.IGNORECASE)


def parse_fee_cell(text: str) -> Fee | None:
    """A fee cell of the Word export or the defence ministry JSON: "Phí : 50000 Đồng (...)"."""
    text = clean(text).replace("\n", " ").strip()
    if text.lower() in NO_INFO:
        return None
    if text.lower().startswith("miễn phí"):
        return Fee(free=True, text=text[:600] if len(text) > len("miễn phí") else None)
    parts = _FEE_PART_RE.split(text)
    amounts: list[int] = []
    if len(parts) > 1:
        for body in parts[2::2]:
            m = _FEE_AMOUNT_RE.match(body)
            value = amount(m.group(1)) if m and m.group(1) else None
            if value is not None and "usd" not in body[: m.end() + 5].lower():
                amounts.append(value)
    rest = _FEE_PART_RE.sub("", text).strip()
    meaningful = re.sub(r"[\d.,\s()]|Đồng|VNĐ", "", rest, flags=re.IGNORECASE)
    if amounts and all(a == 0 for a in amounts) and not meaningful:
        return Fee(free=True)
    positive = [a for a in amounts if a > 0]
    if len(positive) == 1:
        return Fee(amount_vnd=positive[0], text=text[:600])
    if not meaningful and not positive:
        return None
    return Fee(text=text[:600])


_MONEY_RE = re.compile(
    r"(?<![\d/.,])(\d{1,3}(?:[.,]\d{3})+|\d{4,})(?![\d/])\s*(?:đ\b|đồng|Đồng|VNĐ|VND)",
    re.IGNORECASE,
)


def fee_amounts(fee: Fee | None) -> frozenset[int]:
    """The amounts in VND a fee states (its amount and any "50.000 đồng" in its text)."""
    if fee is None or fee.free:
        return frozenset()
    found = {fee.amount_vnd} if fee.amount_vnd else set()
    for match in _MONEY_RE.finditer(fee.text or ""):
        value = amount(match.group(1))
        if value:
            found.add(value)
    return frozenset(found)
