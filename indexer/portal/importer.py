"""``import-portal``: official portal records -> one catalogue YAML per procedure, outside the repo.

Reads the flattened JSON crawl, the Word exports and the defence ministry JSON, merges the
records of each code, validates them against the catalogue schema, cross-checks the codes found
in both the JSON crawl and the Word exports, and reports every record it could not import.
"""

from __future__ import annotations

import json
import logging
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from multiprocessing import Pool
from pathlib import Path

import yaml
from pydantic import ValidationError
from tqdm import tqdm

from indexer.catalog.schema import Procedure
from indexer.errors import IndexerError
from indexer.portal.bqp import parse_bqp_json
from indexer.portal.build import QUESTIONS_NOTE, is_complete, merge, to_procedure
from indexer.portal.crosscheck import CrossCheck, cross_check
from indexer.portal.flat import parse_flat_json
from indexer.portal.listing import ListedProcedure, read_listing
from indexer.portal.record import PortalRecord, RecordError
from indexer.portal.worddoc import parse_word_export

logger = logging.getLogger(__name__)
REPO = Path(__file__).resolve().parents[2]


class PortalImportError(IndexerError):
    """The import cannot start (bad arguments, output inside the repository)."""


@dataclass
class Failure:
    code: str | None
    path: str
    reason: str


@dataclass
class ImportResult:
    files: int = 0
    records: list[PortalRecord] = field(default_factory=list)
    procedures: dict[str, Procedure] = field(default_factory=dict)  # by code
    failures: list[Failure] = field(default_factory=list)  # files or codes not imported
    incomplete: list[Failure] = field(default_factory=list)  # imported but no time, level...
    crosscheck: CrossCheck = field(default_factory=CrossCheck)

    @property
    def codes(self) -> int:
        return len({r.code for r in self.records} | {f.code for f in self.failures if f.code})

    @property
    def complete(self) -> int:
        return sum(is_complete(p) for p in self.procedures.values())

    def summary(self) -> dict[str, object]:
        codes = self.codes
        return {
            "files_read": self.files,
            "official_codes": codes,
            "valid_procedures": len(self.procedures),
            "valid_rate": round(len(self.procedures) / codes, 4) if codes else 0.0,
            "complete_procedures": self.complete,
            "complete_rate": round(self.complete / codes, 4) if codes else 0.0,
            "failures": len(self.failures),
            "incomplete": len(self.incomplete),
            "crosscheck": self.crosscheck.summary(),
        }


def discover(sources: Iterable[Path]) -> list[Path]:
    """Every ``.json``, ``.docx`` and ``.xlsx`` file under the given files or directories."""
    found: set[Path] = set()
    for src in sources:
        if src.is_file():
            found.add(src)
        elif src.is_dir():
            for pattern in ("*.json", "*.docx", "*.xlsx"):
                found.update(p for p in src.rglob(pattern) if not p.name.startswith("~$"))
        else:
            raise PortalImportError(f"{src}: no such file or directory")
    return sorted(found)


def parse_file(path: Path) -> PortalRecord | Failure:
    """Parse one portal file; a file that cannot be read becomes a ``Failure`` with the reason."""
    try:
        if path.suffix.lower() == ".docx":
            return parse_word_export(path)
        head = path.read_text(encoding="utf-8", errors="replace")[:2000]
        if '"ma_thu_tuc"' not in head and '"metadata"' in head:
            return parse_bqp_json(path)
        return parse_flat_json(path)
    except (RecordError, ValidationError) as exc:
        return Failure(code=path.stem.replace("_", "."), path=str(path), reason=str(exc))


def _parse_all(paths: list[Path], jobs: int, progress: bool) -> Iterator[PortalRecord | Failure]:
    bar = tqdm(total=len(paths), desc="parse", unit="file", disable=not progress)
    try:
        if jobs <= 1:
            for path in paths:
                yield parse_file(path)
                bar.update()
            return
        with Pool(jobs) as pool:
            for item in pool.imap(parse_file, paths, chunksize=32):
                yield item
                bar.update()
    finally:
        bar.close()


def run_import(sources: Iterable[Path], *, jobs: int | None = None, progress: bool = True,
               today: date | None = None) -> ImportResult:
    """Parse, merge, validate and cross-check; writes nothing."""
    today = today or date.today()
    paths = discover(sources)
    listings = [p for p in paths if p.suffix.lower() == ".xlsx"]
    paths = [p for p in paths if p.suffix.lower() != ".xlsx"]
    listed: dict[str, ListedProcedure] = {}
    for path in listings:
        listed.update(read_listing(path))
    result = ImportResult(files=len(paths))
    jobs = jobs if jobs is not None else min(2, os.cpu_count() or 1)
    by_code: dict[str, list[PortalRecord]] = defaultdict(list)
    for item in _parse_all(paths, jobs, progress):
        if isinstance(item, Failure):
            result.failures.append(item)
        else:
            result.records.append(item)
            by_code[item.code].append(item)
    result.crosscheck = cross_check(by_code)
    for code in sorted(by_code):
        records = by_code[code]
        sources_used = sorted({r.source for r in records})
        merged = merge([_copy(r) for r in records])
        if code in listed and not merged.agency and listed[code].agency:
            merged.agency = listed[code].agency
            merged.notes.append("agency: taken from the ministry's procedure list")
        if code in listed and not merged.field and listed[code].field:
            merged.field = listed[code].field
        try:
            procedure = to_procedure(merged, sources=sources_used, today=today)
        except (RecordError, ValidationError) as exc:
            result.failures.append(Failure(code, merged.path, _reason(exc)))
            continue
        result.procedures[code] = procedure
        if not is_complete(procedure):
            missing = [n for n, ok in (("level", procedure.levels), ("field", procedure.field),
                                       ("time", any(c.time for c in procedure.channels)))
                       if not ok]
            why = "no " + ", no ".join(missing)
            if merged.notes:
                why += f" ({'; '.join(merged.notes[:3])})"
            result.incomplete.append(Failure(code, merged.path, why))
    logger.info("portal.import.done codes=%d valid=%d complete=%d failures=%d",
                result.codes, len(result.procedures), result.complete, len(result.failures))
    return result


def _copy(record: PortalRecord) -> PortalRecord:
    """Merging edits the record; keep the originals intact for the cross-check."""
    return PortalRecord(**{**record.__dict__, "notes": list(record.notes)})


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '-'}: {e['msg']}" for e in exc.errors()
        )
    return str(exc)


def check_out_dir(out: Path) -> Path:
    """Refuse an output directory inside the repository: it is an operator's full catalogue."""
    resolved = out.expanduser().resolve()
    scratch = REPO / "var"  # ignored by git: where `make run PROFILE=...` keeps its catalogue
    if resolved == REPO or (REPO in resolved.parents and scratch not in resolved.parents):
        raise PortalImportError(
            f"{out}: the imported catalogue must not go inside the repository ({REPO}) except "
            "under its ignored var/ directory; choose e.g. var/profiles/NAME or /srv/tthc/catalogue"
        )
    return resolved


IMPORT_HEADER = "# Imported from the national public service portal"


def stale_files(result: ImportResult, out: Path) -> list[Path]:
    """Files an earlier import wrote into ``out/procedures`` that this import no longer has."""
    folder = out / "procedures"
    wanted = {f"{p.id}.yaml" for p in result.procedures.values()}
    stale = []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        if path.name not in wanted:
            with path.open(encoding="utf-8") as handle:
                if handle.readline().startswith(IMPORT_HEADER):
                    stale.append(path)
    return stale


def write_catalogue(result: ImportResult, out: Path, *, progress: bool = True,
                    prune: bool = False) -> int:
    """Write ``out/procedures/<id>.yaml`` for every valid procedure; returns the count.

    Files from an earlier import that this one no longer produces are removed only with
    ``prune``; otherwise they are logged and left in place.
    """
    folder = check_out_dir(out) / "procedures"
    folder.mkdir(parents=True, exist_ok=True)
    for path in stale_files(result, out):
        if prune:
            path.unlink()
            logger.info("portal.import.pruned file=%s", path.name)
        else:
            logger.warning("portal.import.stale file=%s (use --prune to remove)", path.name)
    items = sorted(result.procedures.values(), key=lambda p: p.id)
    for proc in tqdm(items, desc="write", unit="file", disable=not progress):
        (folder / f"{proc.id}.yaml").write_text(procedure_yaml(proc), encoding="utf-8")
    return len(items)


def procedure_yaml(proc: Procedure, *, command: str = "import-portal") -> str:
    """The YAML file of an imported procedure, with the header that marks it as generated."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    data = _tidy(proc.model_dump(mode="json", exclude_none=True, exclude_defaults=True))
    header = (f"{IMPORT_HEADER} (code {proc.code}) by\n"
              f"# python -m indexer {command} on {proc.updated_at}; do not edit by hand.\n"
              f"# {QUESTIONS_NOTE}.\n")
    return header + yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=100)


def _tidy(value: object) -> object:
    """7.0 -> 7 so the YAML reads like a person wrote it."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _tidy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tidy(v) for v in value]
    return value


def write_report(result: ImportResult, path: Path) -> None:
    report = {
        "summary": result.summary(),
        "failures": [f.__dict__ for f in result.failures],
        "incomplete": [f.__dict__ for f in result.incomplete],
        "crosscheck_disagreements": result.crosscheck.disagreements,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
