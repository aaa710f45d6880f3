"""Masking of phone numbers and ID numbers (CCCD 12 digits, CMND 9 digits) in log records."""

from __future__ import annotations

import logging
import re

# Order matters: 12-digit CCCD before 10-digit phones before 9-digit CMND.
_PATTERNS = [
    (re.compile(r"(?<!\d)\d{12}(?!\d)"), "[CCCD]"),
    (re.compile(r"(?<![\d+])(?:\+84|84|0)(?:[ .-]?\d){9}(?!\d)"), "[PHONE]"),
    (re.compile(r"(?<!\d)\d{9}(?!\d)"), "[CMND]"),
]


def mask_pii(text: str) -> str:
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


class PiiMaskingFilter(logging.Filter):
    """Rewrites the formatted message (and exception text) with numbers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not drop the record
            message = str(record.msg)
        record.msg = mask_pii(message)
        record.args = None
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
