"""Masking of phone numbers and ID numbers (CCCD 12 digits, CMND 9 digits) in log records
and stored text, as citizens type them: run together ("001203004567"), in groups
("001 203 004 567", "0912.345.678"), with the area code in brackets ("(091) 234-5678"), and
the 11-digit mobile numbers of before 2018 ("0168 123 4567")."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

_SEP = r"[ .\-]?"
# Order matters: 12-digit CCCD before phones (10 or 11 digits) before 9-digit CMND.
_PATTERNS = [
    (re.compile(r"(?<![\w+])\d(?:" + _SEP + r"\d){11}(?!\d)"), "[CCCD]"),  # not "H12-250101-0001"
    (re.compile(r"\(\s*(?:\+?84|0)\d{1,3}\s*\)" + _SEP + r"\d(?:" + _SEP + r"\d){5,7}(?!\d)"),
     "[PHONE]"),
    (re.compile(r"(?<![\d+])(?:\+84|84|0)(?:" + _SEP + r"\d){9,10}(?!\d)"), "[PHONE]"),
    # 9 digits run together, or in three groups of three separated by spaces (with dots they
    # would be an amount of money: "150.000.000")
    (re.compile(r"(?<![\d+.,])(?:\d{9}|\d{3} \d{3} \d{3})(?![\d.,])"), "[CMND]"),
]


def mask_pii(text: str) -> str:
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


def _mask_arg(arg: object) -> object:
    if isinstance(arg, str):
        return mask_pii(arg)
    if isinstance(arg, (int, float, bool)) or arg is None:
        if isinstance(arg, int) and not isinstance(arg, bool) and 9 <= len(str(abs(arg))) <= 12:
            return "[NUMBER]"  # an int has lost its leading 0: phone, CMND or CCCD alike
        return arg
    text = str(arg)
    masked = mask_pii(text)
    return masked if masked != text else arg


class PiiMaskingFilter(logging.Filter):
    """Masks the message template and each argument, keeping the record's shape (uvicorn's
    access formatter unpacks ``record.args``); a record whose masked arguments no longer
    format is reduced to its masked text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_pii_masked", False):
            return True
        record._pii_masked = True  # type: ignore[attr-defined]
        if isinstance(record.msg, str):
            record.msg = mask_pii(record.msg)
        original = record.args
        if isinstance(original, tuple):
            record.args = tuple(_mask_arg(a) for a in original)
        elif isinstance(original, Mapping):
            record.args = {k: _mask_arg(v) for k, v in original.items()}
        if record.args:
            try:
                record.getMessage()
            except (TypeError, ValueError):
                record.args = original
                try:
                    text = record.getMessage()
                except Exception:  # noqa: BLE001 - a broken format string must not drop it
                    text = str(record.msg)
                record.msg, record.args = mask_pii(text), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_pii(record.exc_text)
        return True


_FILTER = PiiMaskingFilter()
_LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "api")


def install_pii_filter() -> None:
    """Attach the filter to every handler of the root and uvicorn loggers (idempotent)."""
    for name in _LOGGERS:
        log = logging.getLogger(name)
        if _FILTER not in log.filters:
            log.addFilter(_FILTER)
        for handler in log.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "_pii_masking", False):
        def masked_factory(*args, **kwargs):  # type: ignore[no-untyped-def]
            record = factory(*args, **kwargs)
            _FILTER.filter(record)
            return record

        masked_factory._pii_masking = True  # type: ignore[attr-defined]
        logging.setLogRecordFactory(masked_factory)
