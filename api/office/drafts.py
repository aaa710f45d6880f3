"""Catalogue change files drafted by the office from unanswered questions.

A draft never goes live: it is a folder under ``office_drafts_dir`` shaped like the catalogue
(``procedures/<id>.yaml`` or ``faq/<id>.yaml``) plus ``draft.json`` (who, when, from which
questions), validated as the catalogue would be with the change applied
(``indexer.catalog.validate``). A maintainer reviews it, copies it into ``knowledge/`` and
builds the index (``python -m indexer build``).

- An **alias** adds the office's wording to an existing procedure's ``aliases``; nothing else
  of the procedure changes (no procedure fact is written).
- An **FAQ** entry's question is the office's wording and its answer is the office user's own
  text, marked ``written_by_us`` with the author, to be checked before it is merged.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Literal

import yaml

from api.errors import ApiError, NotFoundError
from indexer.catalog.validate import validate_catalog
from vntext import fold_lower, squash_spaces


class DraftError(ApiError):
    code = "bad_draft"


@dataclass(frozen=True)
class DraftRequest:
    kind: Literal["alias", "faq"]
    wording: str
    procedure: str | None
    answer: str | None
    questions: list[str]
    author: str


@dataclass(frozen=True)
class DraftResult:
    path: str
    file: str
    valid: bool
    problems: list[str]


def slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", fold_lower(text).replace("đ", "d")).strip("-")
    return s[:60].rstrip("-") or "cau-hoi"


def _procedure_file(knowledge: Path, procedure_id: str) -> Path:
    path = knowledge / "procedures" / f"{procedure_id}.yaml"
    if not re.fullmatch(r"[a-z0-9-]+", procedure_id) or not path.is_file():
        raise NotFoundError(f"No procedure {procedure_id!r} in the catalogue.")
    return path


def _alias(req: DraftRequest, knowledge: Path) -> tuple[str, str, dict[str, Any]]:
    if not req.procedure:
        raise DraftError("An alias draft needs the procedure it adds a wording to.")
    data = yaml.safe_load(_procedure_file(knowledge, req.procedure).read_text("utf-8"))
    names = [data.get("name", ""), *(data.get("aliases") or [])]
    if fold_lower(req.wording) in {fold_lower(n) for n in names}:
        raise DraftError(f"{req.wording!r} is already a name or alias of {req.procedure}.")
    data["aliases"] = [*(data.get("aliases") or []), req.wording]
    return "procedures", req.procedure, data


def _faq(req: DraftRequest, knowledge: Path, today: date) -> tuple[str, str, dict[str, Any]]:
    answer = squash_spaces((req.answer or "").strip())
    if len(answer) < 10:
        raise DraftError("An FAQ draft needs the answer, written by you (at least 10 "
                         "characters); the assistant does not write answers.")
    related = []
    if req.procedure:
        _procedure_file(knowledge, req.procedure)
        related = [req.procedure]
    faq_id = slug(req.wording)
    if (knowledge / "faq" / f"{faq_id}.yaml").exists():
        faq_id = f"{faq_id}-{today:%Y%m%d}"
    alt = [q for q in dict.fromkeys(req.questions) if q != req.wording][:10]
    data = {"id": faq_id, "question": req.wording, "answer": answer, "topic": "văn phòng",
            "alt_questions": alt, "related_procedures": related,
            "source": {"kind": "written_by_us",
                       "reference": f"Office draft by {req.author}: the answer is the office's "
                                    f"own text, to be checked before it is merged",
                       "checked_at": today.isoformat(), "unverified": []}}
    return "faq", faq_id, data


def _overlay(knowledge: Path, folder: str, name: str, text: str, into: Path) -> Path:
    """A copy of the catalogue (symlinks) with one file replaced or added."""
    root = into / "knowledge"
    root.mkdir()
    for entry in knowledge.iterdir():
        if entry.name != folder:
            (root / entry.name).symlink_to(entry.resolve())
    (root / folder).mkdir()
    if (knowledge / folder).is_dir():
        for f in (knowledge / folder).iterdir():
            (root / folder / f.name).symlink_to(f.resolve())
    target = root / folder / f"{name}.yaml"
    if target.is_symlink():
        target.unlink()
    target.write_text(text, encoding="utf-8")
    return root


def write_draft(req: DraftRequest, *, knowledge: Path, drafts: Path,
                now: datetime | None = None) -> DraftResult:
    now = now or datetime.now(timezone.utc)
    req = DraftRequest(kind=req.kind, wording=squash_spaces(req.wording.strip()),
                       procedure=req.procedure, answer=req.answer,
                       questions=[squash_spaces(q.strip()) for q in req.questions if q.strip()],
                       author=req.author)
    if len(req.wording) < 5:
        raise DraftError("The wording needs at least 5 characters.")
    if req.kind == "alias":
        folder, name, data = _alias(req, knowledge)
    else:
        folder, name, data = _faq(req, knowledge, now.date())
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    with tempfile.TemporaryDirectory() as tmp:
        root = _overlay(knowledge, folder, name, text, Path(tmp))
        report = validate_catalog(root, display_base=root, today=now.date())
        problems = [str(p) for p in report.problems]
    out = drafts / f"{now:%Y%m%dT%H%M%S}-{req.kind}-{name}"
    if out.exists():
        shutil.rmtree(out)
    (out / folder).mkdir(parents=True)
    (out / folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    meta = {"kind": req.kind, "target": f"{folder}/{name}.yaml", "author": req.author,
            "created_at": now.isoformat(), "wording": req.wording,
            "from_questions": req.questions[:50], "valid": not problems, "problems": problems,
            "review": "copy the file into knowledge/, run `python -m indexer validate` and "
                      "`python -m indexer build`; nothing is live before that build"}
    (out / "draft.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), "utf-8")
    return DraftResult(path=str(out), file=f"{folder}/{name}.yaml", valid=not problems,
                       problems=problems)


def list_drafts(drafts: Path) -> list[dict[str, Any]]:
    if not drafts.is_dir():
        return []
    out = []
    for meta in sorted(drafts.glob("*/draft.json"), reverse=True):
        data = json.loads(meta.read_text("utf-8"))
        data["path"] = str(meta.parent)
        out.append(data)
    return out
