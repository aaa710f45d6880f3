"""The versioned index artifact on disk.

```
<index_dir>/CURRENT                  name of the published version (replaced atomically)
<index_dir>/versions/<ts>-<hash>/    one immutable version:
    manifest.json   model id (passage encoder included), dimension, normalisation, counts,
                    slots, hashes, versions, build time
    passages.jsonl  one Passage per slot, row i = FAISS row i = BM25 document i;
                    ``null`` for a dead slot (its passage is gone since the last compact build)
    dense.faiss     IndexFlatIP or IndexHNSWFlat over L2-normalised passage vectors, per slot
    bm25.npz        BM25 postings (CSR by term) and document lengths per slot, dead slots;
    bm25_vocab.json the postings are also the passages' bags of words, reused by builds
    catalog.jsonl   the validated procedures, FAQ and glossary, one catalogue file a line
```

Format 1 (before incremental builds) had no dead slots, ``catalog.json`` instead of
``catalog.jsonl`` and a ``tokens.jsonl``; it still loads, and ``build`` replaces it with a
complete format-2 version.

A version is written under a temporary name, renamed into place, then published by writing
``CURRENT.tmp`` and ``os.replace``-ing it over ``CURRENT``; readers never see a half-written
version. Old versions beyond ``keep`` are pruned (never the published one).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from indexer.errors import IndexerError, IndexNotFoundError

logger = logging.getLogger(__name__)

FORMAT_VERSION = 2
POINTER = "CURRENT"
_VERSION_RE = re.compile(r"^\d{8}T\d{6}\d{0,6}Z-[0-9a-f]{8}$")


def versions_root(index_dir: Path) -> Path:
    return Path(index_dir) / "versions"


def list_versions(index_dir: Path) -> list[str]:
    """Complete versions, oldest first (names sort by build time)."""
    root = versions_root(index_dir)
    if not root.is_dir():
        return []
    return sorted(
        p.name for p in root.iterdir()
        if p.is_dir() and _VERSION_RE.match(p.name) and (p / "manifest.json").exists()
    )


def current_version(index_dir: Path) -> str | None:
    pointer = Path(index_dir) / POINTER
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def version_path(index_dir: Path, name: str | None = None) -> Path:
    """Directory of ``name`` (default: the published version); raises if there is none."""
    name = name or current_version(index_dir)
    if name is None:
        raise IndexNotFoundError(
            f"no published index under {index_dir}; run `python -m indexer build`"
        )
    path = versions_root(index_dir) / name
    if not (path / "manifest.json").exists():
        raise IndexNotFoundError(f"index version {name} is missing or incomplete in {index_dir}")
    return path


def read_manifest(version_dir: Path) -> dict[str, Any]:
    return json.loads((Path(version_dir) / "manifest.json").read_text(encoding="utf-8"))


def current_manifest(index_dir: Path) -> dict[str, Any] | None:
    try:
        return read_manifest(version_path(index_dir))
    except IndexNotFoundError:
        return None


def write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")


def staging_dir(index_dir: Path) -> Path:
    """A fresh temporary directory next to the versions (same filesystem, so rename is atomic)."""
    root = versions_root(index_dir)
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=".staging-", dir=root))


def commit_version(index_dir: Path, staging: Path, name: str) -> Path:
    target = versions_root(index_dir) / name
    if target.exists():
        raise IndexerError(f"index version {name} already exists")
    staging.rename(target)
    return target


def publish(index_dir: Path, name: str) -> None:
    """Point ``CURRENT`` at ``name`` atomically."""
    version_path(index_dir, name)  # must be complete
    pointer = Path(index_dir) / POINTER
    tmp = pointer.with_name(POINTER + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, pointer)
    logger.info("index.published", extra={"version": name})


def prune(index_dir: Path, keep: int) -> list[str]:
    """Delete the oldest versions so that at most ``keep`` remain; returns the deleted names."""
    current = current_version(index_dir)
    versions = list_versions(index_dir)
    removable = [v for v in versions if v != current]
    excess = max(0, len(versions) - keep)
    deleted = removable[:excess]
    for name in deleted:
        shutil.rmtree(versions_root(index_dir) / name, ignore_errors=True)
    for stale in versions_root(index_dir).glob(".staging-*"):
        shutil.rmtree(stale, ignore_errors=True)
    return deleted


def rollback(index_dir: Path, to: str | None = None) -> str:
    """Publish ``to`` or, by default, the version built just before the published one."""
    versions = list_versions(index_dir)
    current = current_version(index_dir)
    if to is None:
        older = [v for v in versions if current is None or v < current]
        if not older:
            raise IndexerError("no older index version to roll back to")
        to = older[-1]
    elif to not in versions:
        raise IndexNotFoundError(f"index version {to} not found; have: {', '.join(versions)}")
    publish(index_dir, to)
    return to
