"""The local dossier table as a ``DossierSource``, plus the upsert the importer uses."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

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


def upsert_dossier(session: Session, *, record: DossierRecord) -> None:
    """Insert or replace the dossier (one-stop exports repeat a code when its status moves)."""
    session.merge(DossierRow(
        code=record.code, procedure_id=record.procedure_id,
        procedure_code=record.procedure_code, procedure_name=record.procedure_name,
        applicant_masked=record.applicant_masked, phone_hash=record.phone_hash,
        phone_last4_hash=record.phone_last4_hash, id_last4_hash=record.id_last4_hash,
        received_at=record.received_at, due_at=record.due_at, resolved_at=record.resolved_at,
        status=record.status.value, reason=record.reason, agency=record.agency,
        apology_issued=record.apology_issued, new_appointment=record.new_appointment,
        delivery=record.delivery.value))


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
