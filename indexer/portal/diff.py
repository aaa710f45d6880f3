"""``import-diff``: what changed between two catalogue directories (two portal imports, or two
province profiles): new, amended (with the field paths that changed), abolished (the status
went to abolished, or the code is no longer there) and how many are unchanged.

Procedures are matched by official ``code`` (stable across curated and imported ids), or by
``id`` when they have none. ``updated_at`` and ``source.checked_at`` change on every import
and are not compared.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from indexer.catalog.schema import Procedure, StatusKind
from indexer.errors import CatalogError

logger = logging.getLogger(__name__)

IGNORED = {"updated_at", "source.checked_at"}
# Lists compared item by item (same length and the same channel kinds in order); any other
# list that differs is reported as a whole ("documents", "legal_basis", "steps").
ITEMISED = {"channels"}
MAX_DEPTH = 2  # named levels in a reported path: "channels.0.fee", "status.state", "source.url"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Entry:
    key: str  # the official code, or "id:<id>" for a procedure without one
    id: str
    code: str | None
    name: str


@dataclass(frozen=True)
class Amended(Entry):
    fields: list[str] = field(default_factory=list)  # e.g. ["channels.0.fee", "documents"]


@dataclass(frozen=True)
class Abolished(Entry):
    reason: str = "status"  # "status": the status went to abolished; "removed": no longer there
    effective_date: str | None = None
    replaced_by: list[str] = field(default_factory=list)
    was_abolished: bool = False  # "removed" only: the old catalogue had it abolished already


@dataclass
class ImportDiff:
    old: str
    new: str
    old_count: int = 0
    new_count: int = 0
    added: list[Entry] = field(default_factory=list)
    amended: list[Amended] = field(default_factory=list)
    abolished: list[Abolished] = field(default_factory=list)
    unchanged: int = 0

    def counts(self) -> dict[str, int]:
        return {"new": len(self.added), "amended": len(self.amended),
                "abolished": len(self.abolished), "unchanged": self.unchanged}

    def field_counts(self) -> Counter[str]:
        """How many amended procedures changed each field ("channels.*.fee": 12)."""
        counts: Counter[str] = Counter()
        for a in self.amended:
            counts.update({re.sub(r"\.\d+(?=\.|$)", ".*", f) for f in a.fields})
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "old": self.old, "new": self.new,
            "procedures": {"old": self.old_count, "new": self.new_count},
            "counts": self.counts(),
            "fields_changed": dict(self.field_counts().most_common()),
            "new_procedures": [asdict(e) for e in self.added],
            "amended": [asdict(e) for e in self.amended],
            "abolished": [asdict(e) for e in self.abolished],
        }


def load_procedures(root: Path) -> dict[str, Procedure]:
    """The procedures of a catalogue directory by match key; every invalid file is reported."""
    folder = Path(root) / "procedures"
    if not folder.is_dir():
        raise CatalogError(f"{root}: no procedures/ directory")
    found: dict[str, Procedure] = {}
    bad: list[str] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            proc = Procedure.model_validate(yaml.load(path.read_text(encoding="utf-8"),
                                                      Loader=_Loader))
        except (OSError, UnicodeDecodeError, yaml.YAMLError, ValidationError) as exc:
            bad.append(f"{path.name}: {str(exc).splitlines()[0]}")
            continue
        key = proc.code or f"id:{proc.id}"
        if key in found:  # a code twice: keep both, told apart by id
            key = f"{key}|{proc.id}"
        found[key] = proc
    if bad:
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        raise CatalogError(f"{folder}: {len(bad)} invalid file(s), run `python -m indexer "
                           f"validate --knowledge {root} --no-required`: "
                           + "; ".join(bad[:5]) + more)
    return found


def _dump(proc: Procedure) -> dict[str, Any]:
    return proc.model_dump(mode="json", exclude_none=True, exclude_defaults=True)


def changed_fields(old: Any, new: Any, path: str = "") -> list[str]:
    """Dotted paths where ``old`` and ``new`` differ (``channels.0.fee``, ``documents``)."""
    if path in IGNORED or old == new:
        return []
    named = [p for p in path.split(".") if p and not p.isdigit()]
    if isinstance(old, dict) and isinstance(new, dict) and len(named) < MAX_DEPTH:
        out: list[str] = []
        for key in list(old) + [k for k in new if k not in old]:
            sub = f"{path}.{key}" if path else str(key)
            out += changed_fields(old.get(key), new.get(key), sub)
        return out
    if (path in ITEMISED and isinstance(old, list) and isinstance(new, list)
            and len(old) == len(new)
            and [_kind(o) for o in old] == [_kind(n) for n in new]):
        return [p for i, (o, n) in enumerate(zip(old, new))
                for p in changed_fields(o, n, f"{path}.{i}")]
    return [path or "-"]


def _kind(item: Any) -> Any:
    return item.get("kind") if isinstance(item, dict) else None


def _entry(key: str, proc: Procedure) -> Entry:
    return Entry(key.split("|")[0], proc.id, proc.code, proc.name)


def diff_catalogues(old_dir: Path, new_dir: Path) -> ImportDiff:
    old, new = load_procedures(old_dir), load_procedures(new_dir)
    report = ImportDiff(str(old_dir), str(new_dir), len(old), len(new))
    for key in sorted(new.keys() - old.keys()):
        report.added.append(_entry(key, new[key]))
    for key in sorted(old.keys() & new.keys()):
        before, after = old[key], new[key]
        e = _entry(key, after)
        if (after.status.state is StatusKind.abolished
                and before.status.state is not StatusKind.abolished):
            when = after.status.effective_date
            report.abolished.append(Abolished(
                e.key, e.id, e.code, e.name, reason="status",
                effective_date=when.isoformat() if when else None,
                replaced_by=list(after.status.replaced_by)))
            continue
        fields = changed_fields(_dump(before), _dump(after))
        if fields:
            report.amended.append(Amended(e.key, e.id, e.code, e.name, fields=fields))
        else:
            report.unchanged += 1
    for key in sorted(old.keys() - new.keys()):
        e = _entry(key, old[key])
        report.abolished.append(Abolished(
            e.key, e.id, e.code, e.name, reason="removed",
            was_abolished=old[key].status.state is StatusKind.abolished))
    logger.info("portal.diff.done new=%d amended=%d abolished=%d unchanged=%d",
                len(report.added), len(report.amended), len(report.abolished), report.unchanged)
    return report


def _who(e: Entry) -> str:
    return f"{e.code or '-':<9} {e.id}  {e.name}"


def render_text(report: ImportDiff, *, limit: int = 50) -> str:
    """The operator's summary (English), at most ``limit`` lines per section."""
    c = report.counts()
    status = sum(a.reason == "status" for a in report.abolished)
    lines = [
        f"import-diff: {report.old} ({report.old_count} procedures) -> {report.new} "
        f"({report.new_count} procedures)",
        f"new: {c['new']}, amended: {c['amended']}, abolished: {c['abolished']} "
        f"({status} by status, {c['abolished'] - status} no longer present), "
        f"unchanged: {c['unchanged']}",
    ]
    fields = report.field_counts()
    if fields:
        ranked = sorted(fields.items(), key=lambda item: (-item[1], item[0]))  # ties: by name
        lines.append("fields changed: " + ", ".join(f"{f} {n}" for f, n in ranked))

    def section(title: str, rows: list[str]) -> None:
        if not rows:
            return
        lines.extend(["", f"{title} ({len(rows)}):"])
        lines.extend(rows[:limit])
        if len(rows) > limit:
            lines.append(f"  ... and {len(rows) - limit} more (see --json)")

    section("New", [f"  + {_who(e)}" for e in report.added])
    section("Amended", [f"  ~ {_who(a)}: {', '.join(a.fields)}" for a in report.amended])
    rows = []
    for a in report.abolished:
        if a.reason == "status":
            why = f"status went to abolished (effective {a.effective_date or 'date not given'})"
            why += (f"; replaced by: {', '.join(a.replaced_by)}" if a.replaced_by
                    else "; no replacement recorded")
        else:
            why = ("no longer in the new catalogue (abolished on the portal, or not imported "
                   "this time: check the new import report)")
            if a.was_abolished:
                why += "; already abolished in the old one"
        rows.append(f"  - {_who(a)}: {why}")
    section("Abolished", rows)
    return "\n".join(lines)


def write_json(report: ImportDiff, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=1),
                    encoding="utf-8")
