"""Vietnamese text normalisation shared by every package (leaf: imports only the stdlib).

Runs on Python 3.10 (Rasa, actions) and 3.11 (API, indexer), so it uses nothing newer.

- :func:`nfc` composes the text (Vietnamese keyboards send both composed and decomposed marks).
- :func:`fold` removes diacritics (``đ`` becomes ``d``), keeping case and spacing.
- :func:`fold_lower` is the comparison form: lowercase, folded, single spaces.
- :func:`words` splits the comparison form into ASCII words.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import List

__all__ = ["nfc", "fold", "fold_lower", "words", "squash_spaces"]

_SPACE_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"[a-z0-9]+")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def squash_spaces(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d" if ch == "đ" else "D"
    decomposed = unicodedata.normalize("NFD", ch)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def fold(text: str) -> str:
    """Remove Vietnamese diacritics; ``đ`` becomes ``d``. Keeps case and spacing."""
    if text.isascii():
        return text
    return "".join(_fold_char(ch) for ch in nfc(text))


def fold_lower(text: str) -> str:
    """Lowercase, diacritics removed, whitespace squashed: "Đăng  Ký" -> "dang ky"."""
    return squash_spaces(fold(text).lower())


def words(text: str) -> List[str]:
    """ASCII words of the comparison form: "Làm CCCD, ở đâu?" -> ["lam", "cccd", "o", "dau"]."""
    return _WORD_RE.findall(fold_lower(text))
