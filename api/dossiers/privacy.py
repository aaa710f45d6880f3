"""What a dossier keeps about its applicant: a masked name and keyed digests, never digits.

The verification factor has only 10,000 values, so a plain hash would be reversed at once.
Each digest is an HMAC keyed with the API secret salt and bound to the dossier code and the
factor kind: ``HMAC(salt, "dossier-factor:<kind>:<code>:<last4>")``. Without the salt the
stored digests reveal nothing, and equal digits on two dossiers give different digests.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from enum import Enum

_NON_DIGIT = re.compile(r"\D")


class FactorKind(str, Enum):
    phone = "phone"
    id = "id"


def digits(text: str | None) -> str:
    return _NON_DIGIT.sub("", text or "")


def last4(text: str | None) -> str | None:
    """The last four digits of a phone/ID number (or of a typed factor), or None if < 4."""
    d = digits(text)
    return d[-4:] if len(d) >= 4 else None


def factor_digest(key: bytes, *, kind: FactorKind, code: str, last_digits: str) -> str:
    message = f"dossier-factor:{kind.value}:{code}:{last_digits}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def phone_digest(key: bytes, phone: str) -> str:
    """Digest of the whole phone number (normalised to 0xxxxxxxxx), for matching, not display."""
    d = digits(phone)
    if d.startswith("84") and len(d) == 11:
        d = "0" + d[2:]
    return hmac.new(key, f"dossier-phone:{d}".encode(), hashlib.sha256).hexdigest()


def factor_matches(key: bytes, *, kind: FactorKind, code: str, given: str,
                   stored: str | None) -> bool:
    """Constant-time check of a typed factor against the stored digest."""
    typed = last4(given)
    if stored is None or typed is None:
        return False
    return hmac.compare_digest(factor_digest(key, kind=kind, code=code, last_digits=typed), stored)


def mask_name(name: str | None) -> str | None:
    """``Nguyễn Văn An`` -> ``Nguyễn V*** A***``: family name, then initials only.

    Already-masked names (containing ``*``) are returned unchanged; the star count is fixed so
    it does not leak the length of the given names.
    """
    if not name:
        return None
    words = name.split()
    if "*" in name or len(words) == 0:
        return " ".join(words)
    if len(words) == 1:
        return words[0][0] + "***"
    return " ".join([words[0], *(w[0] + "***" for w in words[1:])])
