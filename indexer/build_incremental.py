"""An incremental version: the previous version's slots, updated by difference.

Only catalogue files whose hash changed are parsed. For each changed, added or removed
procedure or FAQ entry, its passages that still exist keep their slots, the new ones get slots
at the end (encoded and tokenised here) and the ones that are gone become dead slots. Lines of
unchanged passages and snapshot items are copied as text; FAISS gets the new vectors appended
(``HNSW`` inserts them into its graph) and BM25 is updated by difference
(``BM25Index.updated``), so nothing is re-serialised or re-fitted over the whole catalogue.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from indexer import dense
from indexer.bm25 import BM25Index
from indexer.build_workers import encode_and_tokenize
from indexer.catalog.schema import FaqEntry, Procedure
from indexer.embedding import Embedder
from indexer.passages import FAQ, PROCEDURE, Passage, faq_passages, procedure_passages
from indexer.snapshot import kind_of_file, parse_file, snapshot_line, snapshot_lines

_SLOT_RE = re.compile(r'^\{"id": "([0-9a-f]+)", "kind": "(\w+)", "owner_id": ("(?:[^"\\]|\\.)*")')
DEAD_LINE = "null"


def _slot_keys(lines: list[str]) -> list[tuple[str, str, str] | None]:
    """(passage id, kind, owner id) of each passage line, without parsing whole lines."""
    out: list[tuple[str, str, str] | None] = []
    for line in lines:
        if line == DEAD_LINE:
            out.append(None)
            continue
        match = _SLOT_RE.match(line)
        if match:
            out.append((match.group(1), match.group(2), json.loads(match.group(3))))
        else:
            data = json.loads(line)
            out.append((data["id"], data["kind"], data["owner_id"]))
    return out


def _owner_of(rel: str, line: str | None) -> tuple[str, str] | None:
    """(kind, id) of the item a snapshot line holds (the glossary has no passages; the unserved
    list never gets here, see ``incremental_parts``)."""
    kind = kind_of_file(rel)
    if line is None or kind in ("glossary", "unserved"):
        return None
    return (PROCEDURE if kind == "procedure" else FAQ), json.loads(line)["item"]["id"]


def incremental_parts(knowledge_dir: Path, previous: Path, old: dict[str, Any],
                      hashes: dict[str, str], embedder: Embedder, *, batch_size: int,
                      compact_share: float) -> Any:
    """The ``Parts`` of the next version, or None when a compact build is due."""
    from indexer.build import Parts, item_hash, passage_line

    old_hashes: dict[str, str] = old.get("document_hashes", {})
    changed = [rel for rel, h in hashes.items() if old_hashes.get(rel) != h]
    gone = [rel for rel in old_hashes if rel not in hashes]
    old_lines = snapshot_lines(previous)
    if not old_lines and old_hashes:
        return None
    if any(kind_of_file(rel) == "unserved" for rel in [*changed, *gone]):
        # one file, thousands of owners: a compact build, which still reuses every vector
        # whose passage is unchanged (the list only changes with a new portal import)
        return None
    items: dict[str, Procedure | FaqEntry | Any] = {
        rel: parse_file(Path(knowledge_dir) / rel, kind_of_file(rel)) for rel in changed}

    lines = (previous / "passages.jsonl").read_text(encoding="utf-8").splitlines()
    keys = _slot_keys(lines)
    stale = {o for rel in [*changed, *gone] if (o := _owner_of(rel, old_lines.get(rel)))}
    new_passages: list[Passage] = []
    for rel in changed:
        item = items[rel]
        if isinstance(item, Procedure):
            new_passages.extend(procedure_passages(item))
        elif isinstance(item, FaqEntry):
            new_passages.extend(faq_passages(item))
    stale |= {(p.kind, p.owner_id) for p in new_passages}
    stale_slots = {k[0]: slot for slot, k in enumerate(keys)
                   if k is not None and (k[1], k[2]) in stale}
    keep_ids = {p.id for p in new_passages}
    dead_now = [slot for pid, slot in stale_slots.items() if pid not in keep_ids]
    added = [p for p in new_passages if p.id not in stale_slots]
    n_old = len(lines)
    n_slots = n_old + len(added)
    dead_total = sum(k is None for k in keys) + len(dead_now)
    if n_slots and dead_total / n_slots > compact_share:
        return None

    work = encode_and_tokenize(embedder, [p.text for p in added], [p.text for p in added],
                               batch_size=batch_size, workers=1)
    index = dense.read(previous / "dense.faiss")
    if added:
        index.add(work.vectors)
    bm25 = BM25Index.load(previous).updated(
        dead_now, {n_old + i: bag for i, bag in enumerate(work.bags)}, n_slots)
    for slot in dead_now:
        lines[slot] = DEAD_LINE
    lines.extend(passage_line(p) for p in added)

    snapshot = [snapshot_line(rel, items[rel]) if rel in items else old_lines[rel]
                for rel in _snapshot_order(hashes)]
    hashes_by_id = dict(old.get("procedure_hashes", {}))
    abolished = set(old.get("abolished", []))
    for rel in [*changed, *gone]:
        owner = _owner_of(rel, old_lines.get(rel))
        if owner and owner[0] == PROCEDURE:
            hashes_by_id.pop(owner[1], None)
            abolished.discard(owner[1])
    for item in items.values():
        if isinstance(item, Procedure):
            hashes_by_id[item.id] = item_hash(item)
            if not item.is_current:
                abolished.add(item.id)
    ordered = _procedure_order(hashes, items, old_lines, hashes_by_id)
    counts = dict(old.get("counts", {}))
    glossary = items.get("glossary.yaml")
    counts.update({
        "procedures": sum(kind_of_file(r) == "procedure" for r in hashes),
        "faqs": sum(kind_of_file(r) == "faq" for r in hashes),
        "passages": n_slots - dead_total,
    })
    if glossary is not None:
        counts["glossary"] = len(glossary.entries)
    elif "glossary.yaml" not in hashes:
        counts["glossary"] = 0
    return Parts(passage_lines=lines, dense=index, bm25=bm25, snapshot=snapshot,
                 counts=counts, procedure_hashes={pid: hashes_by_id[pid] for pid in ordered},
                 abolished=[pid for pid in ordered if pid in abolished],
                 encoded=len(added), encode_seconds=work.seconds)


def _snapshot_order(hashes: dict[str, str]) -> list[str]:
    """Procedures, FAQ, the glossary, then the unserved list, each by file name (as
    ``load_catalog``)."""
    rank = {"procedure": 0, "faq": 1, "glossary": 2, "unserved": 3}
    return sorted(hashes, key=lambda rel: (rank[kind_of_file(rel)], rel))


_ID_RE = re.compile(r'"item": \{"id": ("(?:[^"\\]|\\.)*")')


def _procedure_order(hashes: dict[str, str], items: dict[str, Any], old_lines: dict[str, str],
                     hashes_by_id: dict[str, str]) -> list[str]:
    """Procedure ids in catalogue order (the order a compact build lists them in)."""
    out = []
    for rel in _snapshot_order(hashes):
        if kind_of_file(rel) != "procedure":
            continue
        if rel in items:
            out.append(items[rel].id)
            continue
        match = _ID_RE.search(old_lines[rel][:400])
        out.append(json.loads(match.group(1)) if match else
                   json.loads(old_lines[rel])["item"]["id"])
    return [pid for pid in out if pid in hashes_by_id]
