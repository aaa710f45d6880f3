"""Import dossiers from a one-stop export (CSV with a header row, or JSON Lines) into the
local table. Every row is validated; a bad row is reported with its line number and the
reason (never its values, which may hold phone or ID numbers) and the import goes on."""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from api.dossiers.record import DossierIn, DossierRecord
from api.dossiers.sources.sql import upsert_dossiers
from indexer.catalog.schema import Procedure

logger = logging.getLogger(__name__)


class ImportFormatError(ValueError):
    """The file cannot be read at all (unknown extension, missing header)."""


@dataclass
class BadRow:
    line: int
    reason: str


@dataclass
class ImportReport:
    read: int = 0
    imported: int = 0
    linked: int = 0
    bad: list[BadRow] = field(default_factory=list)


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, object] | str]]:
    """(line number, row) pairs; a row that cannot be parsed comes as an error string."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "code" not in reader.fieldnames:
                raise ImportFormatError(f"{path}: the CSV header has no 'code' column")
            for row in reader:
                extra = row.pop(None, None)  # type: ignore[call-overload]
                if extra:
                    yield reader.line_num, "more cells than header columns"
                else:
                    yield reader.line_num, dict(row)
    elif suffix in (".jsonl", ".ndjson"):
        with path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, f"not valid JSON ({exc.msg})"
                    continue
                yield number, value if isinstance(value, dict) else "not a JSON object"
    else:
        raise ImportFormatError(f"{path}: expected .csv or .jsonl")


def describe(exc: ValidationError) -> str:
    """Field and message of each error, without the input values."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ())) or "row"
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


class CatalogueLinker:
    """Links a row to the catalogue by procedure id or official code, when known."""

    def __init__(self, procedures: list[Procedure]) -> None:
        self.by_id = {p.id: p for p in procedures}
        self.by_code = {p.code: p for p in procedures if p.code}

    def link(self, row: DossierIn) -> bool:
        procedure = self.by_id.get(row.procedure_id or "") or self.by_code.get(
            row.procedure_code or "")
        if procedure is None:
            return False
        row.procedure_id = procedure.id
        row.procedure_code = procedure.code or row.procedure_code
        return True


def import_file(path: Path, *, session_factory: sessionmaker[Session], key: bytes,
                linker: CatalogueLinker | None = None, dry_run: bool = False,
                batch: int = 500, progress=None) -> ImportReport:  # type: ignore[no-untyped-def]
    report = ImportReport()
    with session_factory() as session:
        pending: list[DossierRecord] = []
        for line, raw in read_rows(path):
            report.read += 1
            if progress is not None:
                progress.update(1)
            if isinstance(raw, str):
                report.bad.append(BadRow(line, raw))
                continue
            try:
                row = DossierIn.model_validate(raw)
            except ValidationError as exc:
                report.bad.append(BadRow(line, describe(exc)))
                continue
            if linker is not None and linker.link(row):
                report.linked += 1
            if not dry_run:
                pending.append(row.to_record(key))
                if len(pending) >= batch:
                    upsert_dossiers(session, records=pending)
                    session.commit()
                    pending = []
            report.imported += 1
        if not dry_run:
            upsert_dossiers(session, records=pending)
            session.commit()
    logger.info("dossiers.import.done read=%s imported=%s bad=%s", report.read,
                report.imported, len(report.bad))
    return report
