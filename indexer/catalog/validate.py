"""Check the whole catalogue and report every problem, not just the first.

Each problem is ``file: field: message`` with ``field`` a dotted path into the YAML document
(``channels.0.time.unit``), ``-`` for the whole file, or ``line.N`` in the required-names list.

Warnings have the same form and do not make the catalogue invalid (``validate --strict`` makes
them fail): a temporary fee rate that ends within ``warn_days`` of ``today`` or has ended, and
an abolition dated after ``today``.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from indexer.catalog.expiry import WARN_DAYS, fee_warnings, status_warnings
from indexer.catalog.loader import UNSERVED_FILE
from indexer.catalog.schema import FaqEntry, Glossary, Procedure, UnservedList

logger = logging.getLogger(__name__)

MIN_EXAMPLE_QUESTIONS = 5


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


@dataclass
class ValidationReport:
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    procedures: int = 0
    faqs: int = 0
    glossary_terms: int = 0
    required_names: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        text = (
            f"catalogue OK: {self.procedures} procedures, {self.faqs} FAQ entries, "
            f"{self.glossary_terms} glossary terms, {self.required_names} required names resolve"
        )
        return text + (f"; {len(self.warnings)} warning(s)" if self.warnings else "")


def has_diacritics(text: str) -> bool:
    """True when ``text`` carries a Vietnamese diacritic (tone or vowel mark, or ``đ``)."""
    if "đ" in text.lower():
        return True
    return any(unicodedata.combining(ch) for ch in unicodedata.normalize("NFD", text))


def _loc(parts: Iterable[Any]) -> str:
    return ".".join(str(p) for p in parts) or "-"


class _Checker:
    def __init__(self, root: Path, display_base: Path, today: date, warn_days: int) -> None:
        self.root = root
        self.display_base = display_base
        self.today = today
        self.warn_days = warn_days
        self.report = ValidationReport()
        self.names: set[str] = set()  # names and aliases, read even from invalid files

    def show(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.display_base))
        except ValueError:
            return str(path)

    def add(self, path: Path | str, loc: str, message: str) -> None:
        name = path if isinstance(path, str) else self.show(path)
        self.report.problems.append(Problem(name, loc, message))

    def read(self, path: Path) -> dict[str, Any] | None:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            self.add(path, "-", f"cannot read file: {exc}")
            return None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            self.add(path, "-", f"invalid YAML{where}: {problem}")
            return None
        if not isinstance(data, dict):
            self.add(path, "-", f"expected a mapping at the top level, got {type(data).__name__}")
            return None
        return data

    def model(self, path: Path, cls: type[BaseModel], data: dict[str, Any]) -> Any:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                msg = err["msg"].removeprefix("Value error, ")
                self.add(path, _loc(err["loc"]), msg)
            return None

    def files(self, folder: str) -> list[Path]:
        base = self.root / folder
        if not base.is_dir():
            return []
        for stray in sorted(base.glob("*.yml")):
            self.add(stray, "-", "catalogue files must end in .yaml (this file is ignored)")
        return sorted(base.glob("*.yaml"))

    def stem_and_duplicates(
        self, path: Path, data: dict[str, Any], seen: dict[str, Path], key: str = "id"
    ) -> None:
        value = data.get(key)
        if not isinstance(value, str):
            return
        if key == "id" and value != path.stem:
            self.add(path, "id", f"id '{value}' differs from the file name '{path.stem}'")
        if value in seen:
            self.add(path, key, f"duplicate {key} '{value}' (also in {self.show(seen[value])})")
        else:
            seen[value] = path


def _raw_names(data: dict[str, Any]) -> list[str]:
    names = [data.get("name")] + list(data.get("aliases") or [])
    return [unicodedata.normalize("NFC", n) for n in names if isinstance(n, str)]


def _check_procedures(ck: _Checker) -> dict[str, tuple[Path, Procedure]]:
    ids: dict[str, Path] = {}
    codes: dict[str, Path] = {}
    valid: dict[str, tuple[Path, Procedure]] = {}
    for path in ck.files("procedures"):
        ck.report.procedures += 1
        data = ck.read(path)
        if data is None:
            continue
        ck.stem_and_duplicates(path, data, ids)
        ck.names.update(_raw_names(data))
        if data.get("code"):
            ck.stem_and_duplicates(path, data, codes, key="code")
        proc = ck.model(path, Procedure, data)
        if proc is None:
            continue
        questions = proc.example_questions
        if len(questions) >= MIN_EXAMPLE_QUESTIONS and all(map(has_diacritics, questions)):
            ck.add(path, "example_questions", "needs at least one question without diacritics")
        valid[proc.id] = (path, proc)
        for where, message in fee_warnings(proc, today=ck.today, warn_days=ck.warn_days):
            ck.report.warnings.append(Problem(ck.show(path), where, message))
        for where, message in status_warnings(proc, today=ck.today):
            ck.report.warnings.append(Problem(ck.show(path), where, message))
    known = set(ids) | _raw_ids(ck.root / "procedures")
    for path, proc in valid.values():
        for i, target in enumerate(proc.status.replaced_by):
            if target not in known:
                ck.add(path, f"status.replaced_by.{i}", f"unknown procedure id '{target}'")
    return valid


def _check_faqs(ck: _Checker, procedure_ids: set[str]) -> None:
    ids: dict[str, Path] = {}
    for path in ck.files("faq"):
        ck.report.faqs += 1
        data = ck.read(path)
        if data is None:
            continue
        ck.stem_and_duplicates(path, data, ids)
        faq = ck.model(path, FaqEntry, data)
        if faq is None:
            continue
        for i, target in enumerate(faq.related_procedures):
            if target not in procedure_ids:
                ck.add(path, f"related_procedures.{i}", f"unknown procedure id '{target}'")


def _check_glossary(ck: _Checker) -> None:
    path = ck.root / "glossary.yaml"
    if not path.exists():
        return
    data = ck.read(path)
    if data is None:
        return
    glossary = ck.model(path, Glossary, data)
    if glossary is None:
        return
    seen: dict[str, int] = {}
    for i, entry in enumerate(glossary.entries):
        key = unicodedata.normalize("NFC", entry.term).casefold()
        if key in seen:
            first = glossary.entries[seen[key]]
            same = "" if first.term == entry.term else f" '{first.term}'; case is ignored"
            ck.add(path, f"entries.{i}.term",
                   f"duplicate term '{entry.term}' (first at entries.{seen[key]}{same})")
        else:
            seen[key] = i
    ck.report.glossary_terms = len(glossary.entries)


def _check_unserved(ck: _Checker, served_codes: set[str]) -> None:
    """A profile's list of procedures known but not served: valid, and none of them served."""
    path = ck.root / UNSERVED_FILE
    if not path.exists():
        return
    data = ck.read(path)
    if data is None:
        return
    listed = ck.model(path, UnservedList, data)
    if listed is None:
        return
    for i, entry in enumerate(listed.procedures):
        if entry.code in served_codes:
            ck.add(path, f"procedures.{i}.code",
                   f"code {entry.code} is served by a procedure of this catalogue")


def read_required_names(path: Path) -> list[tuple[int, str]]:
    """Non-empty, non-comment lines of the required-names list with their line numbers."""
    names = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = unicodedata.normalize("NFC", line.strip())
        if text and not text.startswith("#"):
            names.append((number, text))
    return names


def _check_required(ck: _Checker, required: Path) -> None:
    try:
        names = read_required_names(required)
    except (OSError, UnicodeDecodeError) as exc:
        ck.add(required, "-", f"cannot read the required-names list: {exc}")
        return
    for number, name in names:
        if name in ck.names:
            ck.report.required_names += 1
        else:
            ck.add(required, f"line.{number}",
                   f"required name '{name}' is not the name or an alias of any procedure")


def validate_catalog(
    root: Path, *, required: Path | None = None, display_base: Path | None = None,
    today: date | None = None, warn_days: int = WARN_DAYS,
) -> ValidationReport:
    """Validate ``root`` (a ``knowledge/`` directory) and return every problem found, plus the
    warnings about temporary fees as of ``today`` (default: the real date)."""
    root = Path(root)
    ck = _Checker(root, (display_base or Path.cwd()).resolve(), today or date.today(),
                  warn_days)
    if not (root / "procedures").is_dir():
        ck.add(root / "procedures", "-", "no procedures/ directory")
        return ck.report
    valid = _check_procedures(ck)
    _check_faqs(ck, {pid for pid in valid} | _raw_ids(root / "procedures"))
    _check_glossary(ck)
    _check_unserved(ck, {p.code for _, p in valid.values() if p.code})
    if required is not None:
        _check_required(ck, required)
    ck.report.problems.sort(key=_natural_key)
    ck.report.warnings.sort(key=_natural_key)
    logger.debug("catalog.validate.done problems=%d", len(ck.report.problems))
    return ck.report


def _natural_key(problem: Problem) -> tuple[str, list[tuple[int, str]]]:
    """Sort ``line.2`` before ``line.10`` and ``channels.2`` before ``channels.10``."""
    parts = [(int(p), "") if p.isdigit() else (-1, p) for p in problem.field.split(".")]
    return problem.file, parts


def _raw_ids(folder: Path) -> set[str]:
    """Stems of every procedure file, so an invalid procedure is not also reported as unknown."""
    return {p.stem for p in folder.glob("*.yaml")}
