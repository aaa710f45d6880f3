"""The grammatical form of a citizen's message: a yes/no question, another question, or a
statement. Computed from the text alone, with or without diacritics and chat spelling
("co mat phi ko", "nộp thay dc k").

- ``yes_no``: "có phải … không", "có cần … không", "có được … không", "… được không",
  "có … không", "… phải không", a sentence ending in "không" or "chưa".
- ``question``: an interrogative word (gì, nào, đâu, ai, mấy, bao nhiêu, bao lâu, bao giờ,
  khi nào, sao, thế nào, như nào) or a "?". An interrogative word wins over "có … không":
  "có cần giấy tờ gì không" asks for the list, not for a yes or a no.
- ``statement``: anything else, and the empty text.
"""

from __future__ import annotations

import re

from api.schemas.answer import QuestionForm
from indexer.text import expand_chat, fold, normalize

# Unaccented words typed for the question words (a whole ASCII word only: "đầu" stays "đầu").
_PLAIN = {fold(w): w for w in (
    "có", "không", "được", "chưa", "phải", "đúng", "cần", "gì", "nào", "đâu", "mấy", "sao",
    "thế", "như", "lâu", "nhiêu", "giờ", "khi", "hông", "hổng", "khum", "nhỉ", "nhé", "hả", "ạ",
)}
_PLAIN.update({"hong": "không", "khum": "không", "hk": "không", "ko": "không", "k": "không",
               "kg": "không", "khong": "không", "dc": "được", "duoc": "được"})
_SPOKEN_NO = {"hông": "không", "hổng": "không", "khum": "không"}

_TAIL = r"(?: (?:ạ|à|hả|nhỉ|nhé|vậy|thế|ha|hen|anh|chị|em|ad|admin|bạn|ơi|nhỉ|nha))*$"
_YES_NO = (
    re.compile(r"(?<!\w)có(?!\w).*(?<!\w)không(?!\w)"),
    re.compile(r"(?<!\w)được không(?!\w)"),
    re.compile(r"(?<!\w)(phải|đúng) không(?!\w)"),
    re.compile(r"(?<!\w)(không|chưa)" + _TAIL),
)
_WH = re.compile(r"(?<!\w)(gì|nào|đâu|ai|mấy|bao nhiêu|bao lâu|bao giờ|khi nào|thế nào|như nào|"
                 r"(?:tại|vì|làm|ra|thì|thế) sao|^sao)(?!\w)")  # not "bản sao"
# "lan dau" is "lần đầu", not "đâu".
_KEEP_AFTER = {"dau": {"lan", "ban", "bat", "dang", "hang", "ky"}}


def canonical(text: str) -> str:
    """Normalised text with chat spellings and unaccented question words given their accents."""
    words = expand_chat(normalize(text)).split()
    out: list[str] = []
    for w in words:
        w = _SPOKEN_NO.get(w, w)
        if w.isascii() and not (out and fold(out[-1]) in _KEEP_AFTER.get(w, ())):
            w = _PLAIN.get(w, w)
        out.append(w)
    return " ".join(out)


def question_form(text: str) -> QuestionForm:
    if not text or not text.strip():
        return "statement"
    s = canonical(text)
    if _WH.search(s):
        return "question"
    if any(p.search(s) for p in _YES_NO):
        return "yes_no"
    if "?" in text:
        return "question"
    return "statement"


_ASKING_VERBS = sorted(("cần", "phải có", "phải nộp", "phải mang", "cần mang", "cần nộp", "cần có",
                        "mang", "nộp", "phải mang theo", "cần mang theo", "mang theo"),
                       key=len, reverse=True)
_OBJECT_RE = re.compile(
    r"(?<!\w)(?:có )?(?:" + "|".join(_ASKING_VERBS) + r") (.+?)"
    r"(?: (?:được|nữa|kèm|thêm))*(?: (?:không|chưa))" + _TAIL)


# "có cần có mặt không", "có phải đến tận nơi không": an action, not a paper to bring.
_NOT_A_THING = re.compile(
    r"^(co mat|mat|den|di|ra|len|ve|lam|dang ky|cho|xep hang|hen|doi|tu)(?!\w)")


def asked_object(text: str) -> str | None:
    """The thing a "có cần <X> không" question asks about, as typed ("giấy chứng sinh"), or
    None when there is none or it is an action ("có cần có mặt không")."""
    m = _OBJECT_RE.search(canonical(text))
    if not m:
        return None
    obj = m.group(1).strip()
    return None if not obj or _NOT_A_THING.match(fold(obj)) else obj
