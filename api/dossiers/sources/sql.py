"""The local dossier table as a ``DossierSource``, plus the upsert the importer uses."""

from __future__ import annotations

import logging

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from api.db.models import utcnow
from api.dossiers.models import DossierRow
from api.dossiers.record import Delivery, DossierRecord, DossierStatus, aware
from api.dossiers.sources import SourceUnavailableError

logger = logging.getLogger(__name__)


def row_to_record(row: DossierRow) -> DossierRecord:
    return DossierRecord(
        code=row.code, procedure_id=row.procedure_id, procedure_code=row.procedure_code,
        procedure_name=row.procedure_name, applicant_masked=row.applicant_masked,
        phone_hash=row.phone_hash, phone_last4_hash=row.phone_last4_hash,
        id_last4_hash=row.id_last4_hash, received_at=aware(row.received_at),
        due_at=aware(row.due_at) if row.due_at else None,
        resolved_at=aware(row.resolved_at) if row.resolved_at else None,
        status=DossierStatus(row.status), reason=row.reason, agency=row.agency,
        apology_issued=bool(row.apology_issued), new_appointment=row.new_appointment,
        delivery=Delivery(row.delivery))


def _values(record: DossierRecord) -> dict[str, object]:
    return {
        "code": record.code, "procedure_id": record.procedure_id,
        "procedure_code": record.procedure_code, "procedure_name": record.procedure_name,
        "applicant_masked": record.applicant_masked, "phone_hash": record.phone_hash,
        "phone_last4_hash": record.phone_last4_hash, "id_last4_hash": record.id_last4_hash,
        "received_at": record.received_at, "due_at": record.due_at,
        "resolved_at": record.resolved_at, "status": record.status.value,
        "reason": record.reason, "agency": record.agency,
        "apology_issued": record.apology_issued, "new_appointment": record.new_appointment,
        "delivery": record.delivery.value, "updated_at": utcnow(),
    }


def upsert_dossiers(session: Session, *, records: list[DossierRecord]) -> None:
    """Insert or replace dossiers (one-stop exports repeat a code when its status moves).

    One ``INSERT ... ON CONFLICT (code) DO UPDATE`` on SQLite and PostgreSQL; a later row for
    the same code in one batch wins.
    """
    if not records:
        return
    latest = {r.code: _values(r) for r in records}
    rows = list(latest.values())
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = sqlite_insert if dialect == "sqlite" else pg_insert
        stmt = insert(DossierRow).values(rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=["code"],
            set_={c: stmt.excluded[c] for c in rows[0] if c != "code"})
        session.execute(stmt)
    else:
        for values in rows:
            session.merge(DossierRow(**values))


class SqlDossierSource:
    name = "sql"

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def get(self, code: str) -> DossierRecord | None:
        try:
            with self._sessions() as session:
                row = session.get(DossierRow, code)
                return row_to_record(row) if row is not None else None
        except SQLAlchemyError as exc:
            logger.warning("dossiers.sql.unavailable: %s", type(exc).__name__)
            raise SourceUnavailableError("dossier table unavailable") from exc
