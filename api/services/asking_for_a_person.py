"""Does a citizen's message ask for a person? (degraded mode, the queue preview, assist)"""

from __future__ import annotations

from vntext import fold_lower

HUMAN_INTENTS = {"request_human", "human_handoff", "handoff"}
_HUMAN_WORDS = ("gap can bo", "gap nhan vien", "gap nguoi", "noi chuyen voi can bo",
                "noi chuyen voi nguoi", "noi chuyen voi nhan vien", "tu van vien",
                "tong dai vien", "can bo ho tro", "nhan vien ho tro", "chuyen cho can bo")


def wants_human(text: str) -> bool:
    """A plain-text request for a person (accents optional)."""
    folded = fold_lower(text)
    return any(w in folded for w in _HUMAN_WORDS)
