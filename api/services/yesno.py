"""A yes/no question about one procedure gets "Có." / "Không." / "Danh mục không ghi rõ."
decided from the record only, with one sentence saying why.

Per aspect: fee (free or an amount, minding the polarity: "có mất phí không" vs "có miễn phí
không"), online (an online channel), postal (a postal channel), documents ("có cần <X> không":
a document whose name shares enough of X's words), time ("có lấy ngay trong ngày không": every
channel "trong ngày"). Anything else, and anything the record does not state, is "unknown":
never a bare "Không" the catalogue does not say (for documents, never "Không" at all).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from api.schemas.answer import Verdict
from api.services.question_form import asked_object, canonical
from api.services.render import COPY_LABEL, vn_date, vnd
from indexer.catalog.schema import ChannelKind, Fee, Procedure, TimeUnit
from indexer.passages import fee_period
from indexer.text import fold, normalize

LEAD = {"yes": "Có.", "no": "Không.", "unknown": "Danh mục không ghi rõ."}

# Share of the asked thing's words that a document name must contain ("giấy chứng sinh" in
# "Giấy chứng sinh hoặc giấy tờ thay thế" = 1.0; "giấy khai sinh" in "Tờ khai đăng ký khai
# sinh" = 2/3, not enough).
DOCUMENT_MATCH = 0.75
_OBJECT_STOP = {"theo", "them", "nua", "cai", "mot", "nhung", "cac", "gi", "kem", "ca", "luon",
                "phai", "co", "can", "mang", "nop", "di", "toi", "minh", "em"}

_POSTAL = re.compile(r"(?<!\w)(buu dien|buu chinh|chuyen phat|gui qua duong buu|qua buu)(?!\w)")
_FREE_ASKED = re.compile(r"(?<!\w)(mien phi|mien le phi|duoc mien|khong mat (phi|tien)|"
                         r"khong ton (phi|tien)|free)(?!\w)")
_SAME_DAY = re.compile(r"(?<!\w)(trong ngay|lay ngay|ngay trong ngay|tra ngay|co ngay|"
                       r"xong ngay|lam ngay|nhan ngay|ngay lap tuc)(?!\w)")


@dataclass(frozen=True)
class Decision:
    value: Verdict
    reason: str  # one sentence from the record, shown after "Có." / "Không." / "…không ghi rõ."

    @property
    def lead(self) -> str:
        return f"{LEAD[self.value]} {self.reason}"


def _folded(text: str) -> str:
    return fold(canonical(text))


def _unknown(proc: Procedure, hotline: str) -> Decision:
    return Decision("unknown", f"Thông tin danh mục về thủ tục {proc.name} như sau; Anh/Chị có "
                              f"thể gọi tổng đài {hotline} để được hướng dẫn cụ thể.")


def fee_verdict(proc: Procedure, text: str, hotline: str, *,
                today: date | None = None) -> Decision:
    """A temporary rate counts only in its period; outside it, the standard rate the record
    states (none stated: that channel's fee is not known)."""
    day = today or date.today()
    stated = [ch.fee for ch in proc.channels]
    fees = [f.applicable(day) if f is not None else None for f in stated]
    known = [f for f in fees if f is not None]
    free = [f for f in known if f.free or f.amount_vnd == 0]
    paid = [f for f in known if not f.free and f.amount_vnd]
    asks_free = bool(_FREE_ASKED.search(_folded(text)))
    if known and len(free) == len(fees):
        state = "free"
        notes = list(dict.fromkeys(f.text.rstrip(".") for f in free if f.text))
        notes += list(dict.fromkeys(fee_period(f) for f in free if f.is_temporary))
        extra = f" ({'; '.join(notes)})" if notes else ""
        reason = f"Theo danh mục, thủ tục {proc.name} được miễn phí, lệ phí{extra}."
    elif paid and not free:
        state = "paid"
        amounts: dict[str, None] = {}
        for f in sorted(paid, key=lambda f: f.amount_vnd or 0):
            label = vnd(f.amount_vnd or 0)
            amounts.setdefault(f"{label}, {fee_period(f)}" if f.is_temporary else label, None)
        reason = (f"Theo danh mục, thủ tục {proc.name} có thu phí, lệ phí ("
                  + "; ".join(amounts) + ").")
    else:
        return _unknown(proc, hotline)
    ended = [f"mức {_short_rate(f)} chỉ áp dụng đến hết ngày {vn_date(f.valid_until)}"
             for f in stated if f is not None and f.valid_until and f.expired(day)]
    if ended:
        sentence = "; ".join(dict.fromkeys(ended))
        reason += f" {sentence[0].upper()}{sentence[1:]}."
    if asks_free:
        return Decision("yes" if state == "free" else "no", reason)
    return Decision("yes" if state == "paid" else "no", reason)


def _short_rate(fee: Fee) -> str:
    if fee.free:
        return "miễn phí"
    return vnd(fee.amount_vnd) if fee.amount_vnd is not None else (fee.text or "").rstrip(".")


def online_verdict(proc: Procedure, hotline: str) -> Decision:
    # ``online_url`` alone is not enough: several records carry the portal page there.
    if any(ch.kind is ChannelKind.online for ch in proc.channels):
        return Decision("yes", f"Danh mục ghi nhận hình thức nộp trực tuyến cho thủ tục "
                              f"{proc.name}.")
    return _unknown(proc, hotline)


def postal_verdict(proc: Procedure, hotline: str) -> Decision:
    postal = next((ch for ch in proc.channels if ch.kind is ChannelKind.postal), None)
    if postal is None:
        return _unknown(proc, hotline)
    note = f" ({postal.note.rstrip('.')})" if postal.note else ""
    return Decision("yes", f"Danh mục ghi nhận hình thức qua dịch vụ bưu chính cho thủ tục "
                          f"{proc.name}{note}.")


def _words(text: str, *, folded: bool) -> set[str]:
    return set(re.findall(r"\w+", fold(text) if folded else text))


def document_overlap(asked: str, document_text: str) -> float:
    """Share of the asked thing's words (minus filler words) found in the document; with
    accents when the question has them ("ảnh" is not "Anh"), folded when typed without."""
    folded = asked.isascii()
    wanted = {w for w in _words(canonical(asked), folded=folded) if fold(w) not in _OBJECT_STOP}
    if not wanted:
        return 0.0
    return len(wanted & _words(normalize(document_text), folded=folded)) / len(wanted)


def documents_verdict(proc: Procedure, text: str, hotline: str) -> Decision:
    asked = asked_object(text)
    if asked:
        for d in proc.documents:
            described = " ".join(filter(None, [d.name, COPY_LABEL.get(d.copy_kind or ""),
                                               d.form]))
            if document_overlap(asked, described) >= DOCUMENT_MATCH:
                when = f" ({d.condition.rstrip('.')})" if d.condition else ""
                return Decision("yes", f"Hồ sơ thủ tục {proc.name} có: {d.name}{when}.")
    return _unknown(proc, hotline)


def time_verdict(proc: Procedure, text: str, hotline: str) -> Decision:
    times = [ch.time for ch in proc.channels]
    if (_SAME_DAY.search(_folded(text)) and times
            and all(t is not None and t.unit is TimeUnit.same_day for t in times)):
        return Decision("yes", f"Theo danh mục, thủ tục {proc.name} được giải quyết trong ngày.")
    return _unknown(proc, hotline)


def decide(proc: Procedure, aspect: str, text: str, hotline: str, *,
           today: date | None = None) -> Decision:
    """The verdict on a yes/no ``text`` about ``proc`` (``aspect`` as answered) as of
    ``today`` (default: the real date; a temporary fee counts only in its period)."""
    if _POSTAL.search(_folded(text)) and aspect in {"place", "online", "result", "overview",
                                                     "steps", "conditions"}:
        return postal_verdict(proc, hotline)
    if aspect == "fee":
        return fee_verdict(proc, text, hotline, today=today)
    if aspect == "online":
        return online_verdict(proc, hotline)
    if aspect == "documents":
        return documents_verdict(proc, text, hotline)
    if aspect == "time":
        return time_verdict(proc, text, hotline)
    return _unknown(proc, hotline)
