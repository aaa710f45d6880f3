"""Dossier codes in the national one-stop format, e.g. ``000.00.19.H12-250101-0001``.

The parts are the receiving agency's identifier (Decision 20/2020/QĐ-TTg style:
``NNN.NN.NN.XNN``), the receiving date ``YYMMDD`` and a sequence number. Citizens type codes in
lowercase, with spaces or with a long dash; ``normalise_code`` repairs that and validates.
"""

from __future__ import annotations

import re
from datetime import date

_AGENCY = r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}"
CODE_RE = re.compile(rf"^(?P<agency>{_AGENCY})-(?P<day>\d{{6}})-(?P<seq>\d{{4,6}})$")
# Finds a code inside a longer message ("ho so 000.00.19.h12-250101-0001 den dau roi").
FIND_RE = re.compile(r"\d{3}\s*\.\s*\d{2}\s*\.\s*\d{2}\s*\.\s*[A-Za-z]\d{2}\s*[-–—]\s*\d{6}"
                     r"\s*[-–—]\s*\d{4,6}(?!\d)")
_DASHES = str.maketrans({"–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-"})


class InvalidCodeError(ValueError):
    """The text is not a dossier code in the national format."""


def normalise_code(raw: str) -> str:
    """Upper-case, drop whitespace, unify dashes, then validate; raises ``InvalidCodeError``."""
    if not isinstance(raw, str) or len(raw) > 64:
        raise InvalidCodeError("not a dossier code")
    code = "".join(raw.translate(_DASHES).split()).upper()
    match = CODE_RE.match(code)
    if match is None:
        raise InvalidCodeError("not a dossier code")
    day = match.group("day")
    try:
        date(2000 + int(day[:2]), int(day[2:4]), int(day[4:]))
    except ValueError as exc:
        raise InvalidCodeError("the date part is not a real date") from exc
    return code


def is_valid_code(raw: str) -> bool:
    try:
        normalise_code(raw)
    except InvalidCodeError:
        return False
    return True


def find_code(text: str) -> str | None:
    """The first valid dossier code inside a free-text message, normalised, or None."""
    for match in FIND_RE.finditer(text or ""):
        try:
            return normalise_code(match.group(0))
        except InvalidCodeError:
            continue
    return None


def received_day(code: str) -> date:
    """The receiving date encoded in a (normalised) code."""
    day = CODE_RE.match(code).group("day")  # type: ignore[union-attr]
    return date(2000 + int(day[:2]), int(day[2:4]), int(day[4:]))
