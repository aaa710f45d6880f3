"""Sentences quoted verbatim from a procedure record: the citizen's own deadline, how long the
result is valid, who may act for the applicant, and how the result is received.

Nothing is reworded: a record field is cut into sentences and clauses (at ". ", ";" and line
breaks) and the clauses that match are returned as written. Matching is on folded text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from indexer.catalog.schema import Procedure
from indexer.text import fold

def _folded(text: str) -> str:
    return " ".join(fold(text.lower()).split())


def _words(*phrases: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(" + "|".join(phrases) + r")(?!\w)")


@dataclass(frozen=True)
class Quote:
    where: str  # field path, e.g. "conditions[0]", "channels[postal].note"
    text: str  # the clause as written in the record

    def __str__(self) -> str:
        return self.text


def clauses(text: str) -> list[str]:
    """Sentences and ``;`` clauses of ``text`` as written; a ``;`` or ``.`` inside brackets
    does not cut ("Văn bản ủy quyền (khi nhờ người làm thay; phải chứng thực)" stays whole)."""
    out: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and (ch in ";\n" or (ch in ".!?" and text[i + 1:i + 2] in (" ", "\n"))):
            out.append(text[start:i + (ch in ".!?")])
            start = i + 1
    out.append(text[start:])
    return [c for c in (part.strip().lstrip("-•+ ").strip() for part in out) if len(c) > 3]


def record_texts(proc: Procedure) -> Iterator[tuple[str, str]]:
    """(field path, text) for every free-text field a deadline or validity can be stated in.

    A channel's ``time.note`` is left out on purpose: it qualifies the office's processing
    time, which must never be shown as the citizen's deadline.
    """
    if proc.who:
        yield "who", proc.who
    for i, c in enumerate(proc.conditions):
        yield f"conditions[{i}]", c
    for i, s in enumerate(proc.steps):
        yield f"steps[{i}]", s
    for i, d in enumerate(proc.documents):
        if d.condition:
            yield f"documents[{i}].condition", d.condition
    for ch in proc.channels:
        if ch.note:
            yield f"channels[{ch.kind.value}].note", ch.note
    if proc.result:
        yield "result", proc.result
    if proc.status.note:
        yield "status.note", proc.status.note


def _find(fields: Iterator[tuple[str, str]], keep: re.Pattern[str],
          drop: re.Pattern[str] | None = None) -> list[Quote]:
    found: list[Quote] = []
    seen: set[str] = set()
    for where, text in fields:
        for clause in clauses(text):
            key = _folded(clause)
            if key in seen or not keep.search(key) or (drop is not None and drop.search(key)):
                continue
            seen.add(key)
            found.append(Quote(where, clause))
    return found


# "trong thời hạn 60 ngày kể từ", "trong vòng 15 ngày", "chậm nhất 3 ngày", "trước khi hết hạn",
# "trong 30 ngày kể từ ngày làm giấy tờ", "15 ngày trước ngày hết thời hạn tạm trú".
_NUM = r"(\d+|mot|hai|ba|bon|nam|sau|bay|tam|chin|muoi)"
_DEADLINE = re.compile(
    r"trong (thoi han |thoi hieu |vong )?" + _NUM + r" (ngay|thang|nam|gio)[^.;]*(ke tu|tinh tu)"
    r"|trong vong " + _NUM + r" (ngay|thang)"
    r"|cham nhat"
    r"|truoc khi het han"
    r"|truoc (ngay|khi)[^.;]* het (thoi han |han|hieu luc)[^.;]* \d+ (ngay|thang)"
    r"|" + _NUM + r" (ngay|thang)( lam viec)? truoc (ngay|khi) het (thoi )?han"
    r"|ke tu ngay")
# Clauses about the office's work (processing time, acceptance), about how long the result is
# valid, or about a photo's age: none of them is the citizen's own deadline.
_NOT_DEADLINE = _words(
    "thu ly", "giai quyet", "nhan du ho so", "ho so hop le", "tra ket qua", "phieu tiep nhan",
    "co gia tri", "con gia tri", "thoi han su dung", "chup", "xem xet", "tra loi", "cap giay",
    "cap chung chi", "cap the", "cap ho chieu", "nhan ho so", "kiem tra", "tham dinh",
    "ban hanh", "chuyen tinh trang")


def deadlines(proc: Procedure) -> list[Quote]:
    """Clauses that state a time limit the citizen must keep ("trong 60 ngày kể từ ngày sinh")."""
    return _find(record_texts(proc), _DEADLINE, _NOT_DEADLINE)


_VALIDITY = re.compile(
    r"(co|con) gia tri (su dung )?(\d|trong|den|ke|vinh vien|khong thoi han|toi)"
    r"|gia tri (su dung )?(\d|trong \d|den ngay)"
    r"|thoi han su dung"
    r"|hieu luc (\d|trong|den)"
    r"|thoi han hieu luc")
# Not the result's validity: a lost value, the land-use term, a law coming into force ("Luật …
# có hiệu lực từ …"), or a deadline counted back from an expiry ("nộp trước ngày hết hiệu lực").
_NOT_VALIDITY = re.compile(
    r"(?<!\w)(het gia tri|huy gia tri|khoi phuc gia tri|su dung dat|truoc ngay het|truoc khi|"
    r"sap het)(?!\w)"
    r"|(luat|nghi dinh|thong tu|quyet dinh)[^()]*hieu luc")


def validity(proc: Procedure) -> list[Quote]:
    """Clauses on how long the result is valid ("Giấy có giá trị 6 tháng kể từ ngày cấp")."""
    fields = [(w, t) for w, t in record_texts(proc) if not w.startswith("documents")]
    return _find(iter(fields), _VALIDITY, _NOT_VALIDITY)


_REPRESENTATION = _words("uy quyen", "nguoi dai dien", "dai dien hop phap", "nop thay", "lam thay",
                         "nguoi giam ho", "giam ho")


def representation(proc: Procedure) -> list[Quote]:
    """Clauses on acting for someone else (ủy quyền, người đại diện, giám hộ)."""
    fields: list[tuple[str, str]] = [(f"conditions[{i}]", c) for i, c in
                                     enumerate(proc.conditions)]
    fields += [(f"channels[{ch.kind.value}].note", ch.note) for ch in proc.channels if ch.note]
    found = _find(iter(fields), _REPRESENTATION)
    for i, d in enumerate(proc.documents):  # a document is quoted whole, with its condition
        whole = d.name + (f" ({d.condition})" if d.condition else "")
        if _REPRESENTATION.search(_folded(whole)):
            found.append(Quote(f"documents[{i}]", whole))
    return found


_RECEIPT = _words("nhan ket qua", "tra ket qua", "ket qua tra", "ket qua duoc tra", "gui ket qua",
                  "ket qua gui", "nhan the", "nhan giay", "nhan ho chieu", "nhan phieu",
                  "nhan ban", "ket qua dien tu", "ban dien tu", "tra qua", "nhan qua",
                  "nhan tai")
# The appointment slip ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả") is not the result.
_NOT_RECEIPT = _words("giay tiep nhan", "hen tra", "giay hen", "phieu hen")


def receipt(proc: Procedure) -> list[Quote]:
    """Clauses on how or where the result is received (steps and channel notes)."""
    fields = [(f"steps[{i}]", s) for i, s in enumerate(proc.steps)]
    fields += [(f"channels[{ch.kind.value}].note", ch.note) for ch in proc.channels if ch.note]
    return _find(iter(fields), _RECEIPT, _NOT_RECEIPT)
