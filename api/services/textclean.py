"""Cleaning of citizen text: Unicode NFC, no control characters, length cap."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")


def clean_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text)
    # lone surrogates cannot be stored or encoded; drop them
    text = text.encode("utf-8", "ignore").decode("utf-8")
    return text.strip()


def cut(text: str, limit: int) -> tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    return text[:limit].rstrip(), True
