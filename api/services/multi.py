"""Questions that join several procedure names ("thường trú và tạm trú cần giấy tờ gì",
"khai sinh với thường trú cho con", "A, B"): split on the conjunction, search each part, and
say which parts name a procedure with confidence.

No split when one procedure's name covers every part (the conjunction is inside a name, as in
"Liên thông … đăng ký khai sinh, đăng ký thường trú …" or "kết hôn với người nước ngoài").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from api.schemas.answer import AnswerPublic, QuickReply
from api.services.search_port import HitLike, SearcherLike
from indexer.text import fold, normalize

MAX_PARTS = 4
NAME_COVERAGE = 0.75  # share of the parts' naming words one procedure name must hold

_CONJUNCTION = re.compile(r"\s*(?:[,;&+/]|(?<!\w)(?:và|va|với|voi|hoặc|hoac)(?!\w))\s*",
                          re.IGNORECASE)
# A verb carried from the first part to the next ones: "đăng ký thường trú và tạm trú".
_HEADS = ("đăng ký lại", "đăng ký", "dang ky lai", "dang ky", "cấp lại", "cấp đổi", "cấp",
          "cap lai", "cap doi", "cap", "làm", "lam", "xin", "đổi", "doi", "gia hạn", "gia han")
# Words that never name a procedure, left out when checking whether a name covers a part.
_FILLER = set("""
thu tuc lam dang ky cap can gi giay to ho so the nao nhu sao o dau bao nhieu lau phi le
cho toi hoi xin minh em anh chi ban oi va voi hoac cung nua thi co khong duoc phai mat nop
""".split())


def _words(text: str) -> set[str]:
    return set(fold(normalize(text)).split())


def split_parts(text: str) -> list[str]:
    """The text cut at conjunctions and commas; [] when there is nothing to cut."""
    parts = [p.strip() for p in _CONJUNCTION.split(text) if p and p.strip()]
    parts = [p for p in parts if _words(p) - _FILLER]
    return parts if len(parts) > 1 else []


def carry_head(first: str, part: str) -> str:
    """Give ``part`` the leading verb of ``first`` when it has none of its own."""
    low = normalize(part)
    if any(low.startswith(h + " ") for h in _HEADS):
        return part
    head = next((h for h in _HEADS if normalize(first).startswith(h + " ")), None)
    return f"{head} {part}" if head else part


def covers(names: Sequence[str], parts: Sequence[str]) -> bool:
    """One of ``names`` holds NAME_COVERAGE of all the parts' naming words and some word of
    each part: the conjunction is inside that one name ("khai sinh, thường trú" in the name
    of the "Liên thông" procedure), so there is nothing to split."""
    wanted = [_words(p) - _FILLER for p in parts]
    every = set().union(*wanted)
    if not every:
        return True
    for name in names:
        held = _words(name)
        if (len(every & held) / len(every) >= NAME_COVERAGE
                and all(w & held for w in wanted if w)):
            return True
    return False


@dataclass(frozen=True)
class PartHit:
    part: str
    hit: HitLike


def confident_parts(searcher: SearcherLike, parts: list[str], *, top_k: int,
                    min_confidence: float, margin: float,
                    same_family: Callable[[str, str], bool]) -> list[PartHit]:
    """For each part, its best hit when it is confident and clearly ahead of the others (or
    only ahead of its own family's variants); parts that name nothing are left out."""
    found: list[PartHit] = []
    for i, part in enumerate(parts[:MAX_PARTS]):
        queries = [part] if i == 0 else list(dict.fromkeys([part, carry_head(parts[0], part)]))
        for query in queries:
            hit = _confident(searcher, query, top_k, min_confidence, margin, same_family)
            if hit is not None:
                found.append(PartHit(part, hit))
                break
    return found


def _confident(searcher: SearcherLike, query: str, top_k: int, min_confidence: float,
               margin: float, same_family: Callable[[str, str], bool]) -> HitLike | None:
    result = searcher.search(query, top_k=top_k)
    hits = list(result.hits)
    if result.abstain or not hits or hits[0].confidence < min_confidence:
        return None
    top = hits[0]
    rivals = [h for h in hits[1:] if h.procedure_id != top.procedure_id
              and top.confidence - h.confidence < margin
              and not same_family(top.procedure_id, h.procedure_id)]
    return None if rivals else top


def joined(answers: list[AnswerPublic], quick_replies: list[QuickReply]) -> AnswerPublic:
    """One answer covering two procedures: each short answer keeps its own citation line;
    ``procedure`` and ``citation`` are the first one's, ``procedures`` lists both."""
    body = "\n\n".join(f"{i}. {a.text}" for i, a in enumerate(answers, 1))
    first = answers[0]
    confidences = [a.confidence for a in answers if a.confidence is not None]
    return AnswerPublic(
        status="answer", aspect=first.aspect, procedure=first.procedure,
        text=f"Anh/Chị hỏi về hai thủ tục, em trả lời lần lượt:\n\n{body}",
        citation=first.citation, quick_replies=quick_replies,
        candidates=[c for a in answers for c in a.candidates],
        confidence=min(confidences) if confidences else None,
        procedures=[a.procedure for a in answers if a.procedure is not None])
