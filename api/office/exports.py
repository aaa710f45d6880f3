"""Every office table as CSV or XLSX over a date range.

Sealed columns (a platform reply address, a PAKN contact) are never exported; the masked
copies are. A cell that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``) is
written with a leading apostrophe, so citizen text cannot run in the office's Excel.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.models import Conversation, HandoffTicket, Message
from api.db.office import AnswerFeedback, CsatRating, PaknCase
from api.office.analytics import Range

# table name -> (model, time column, exported columns)
TABLES: dict[str, tuple[Any, str, list[str]]] = {
    "conversations": (Conversation, "created_at",
                      ["id", "channel", "state", "created_at", "updated_at"]),
    "messages": (Message, "created_at",
                 ["id", "conversation_id", "role", "text", "intent", "procedure", "aspect",
                  "outcome", "confidence", "latency_ms", "created_at"]),
    "answer_feedback": (AnswerFeedback, "created_at",
                        ["id", "message_id", "conversation_id", "channel", "procedure", "aspect",
                         "helpful", "reason", "created_at"]),
    "csat_ratings": (CsatRating, "asked_at",
                     ["id", "conversation_id", "channel", "ticket_id", "trigger", "score",
                      "asked_at", "answered_at"]),
    "pakn_cases": (PaknCase, "created_at",
                   ["id", "code", "conversation_id", "channel", "content", "procedure", "agency",
                    "contact_masked", "consent", "status", "due_at", "created_at", "updated_at",
                    "answered_at", "closed_at"]),
    "handoff_tickets": (HandoffTicket, "created_at",
                        ["id", "conversation_id", "channel", "reason", "category", "priority",
                         "status", "agent", "created_at", "claimed_at", "closed_at",
                         "resolution"]),
}
FORMATS = ("csv", "xlsx")
XLSX_MAX_ROWS = 1_048_575  # a sheet's rows less the header
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A value a spreadsheet shows as written (never as a formula)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def rows(db: Session, table: str, rng: Range) -> Iterator[list[Any]]:
    """The header, then one row per record whose time column falls in the range."""
    model, when, columns = TABLES[table]
    yield columns
    column = getattr(model, when)
    stmt = (select(*[getattr(model, c) for c in columns])
            .where(column >= rng.since, column < rng.until).order_by(model.id))
    if rng.channel and hasattr(model, "channel"):
        stmt = stmt.where(model.channel == rng.channel)
    for row in db.execute(stmt.execution_options(yield_per=2000)):
        yield [cell(v) for v in row]


def to_csv(records: Iterator[list[Any]]) -> Iterator[str]:
    """CSV text in chunks (UTF-8 with a BOM so Excel reads Vietnamese right)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    yield "\ufeff"
    for i, record in enumerate(records):
        writer.writerow(record)
        if i % 500 == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def to_xlsx(records: Iterator[list[Any]], *, sheet: str) -> bytes:
    book = Workbook(write_only=True)
    ws = book.create_sheet(title=sheet[:31])
    for i, record in enumerate(records):
        if i > XLSX_MAX_ROWS:
            break
        ws.append(record)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
