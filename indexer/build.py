"""Build a new index version from the catalogue and publish it atomically, with a change report.

Two ways to a version (``store`` describes the layout):

- **compact** (``indexer.build_compact``): every passage in catalogue order, one slot each, a
  fresh FAISS index. Vectors
  and bags of words are reused by passage content hash from the previous version when its
  model and text normalisation match; the rest is encoded and tokenised, each distinct text
  once, by one worker process per core (``indexer.build_workers``). Used for a first build,
  ``force``, another model or normaliser, an older format, or when dead slots pass
  ``COMPACT_SHARE``.
- **incremental** (``indexer.build_incremental``): only the changed catalogue files are
  parsed; their passages that are new get new slots at the end, the ones that are gone become
  dead slots. FAISS and BM25 are updated by difference and the unchanged snapshot lines and
  passage lines are copied as text: nothing is re-fitted or re-serialised over the whole
  catalogue.
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from indexer import dense, store
from indexer.bm25 import BM25Index
from indexer.build_workers import _encode  # noqa: F401  (re-exported for benchmarks)
from indexer.catalog.loader import UNSERVED_FILE, Catalog
from indexer.catalog.schema import FaqEntry, Procedure
from indexer.dense import HNSW_MIN_PASSAGES, dense_index  # noqa: F401  (re-exported)
from indexer.embedding import Embedder
from indexer.passages import Passage
from indexer.snapshot import combined_hash, file_hashes, snapshot_of, write_snapshot
from indexer.text import LEXICAL_VERSION

logger = logging.getLogger(__name__)

COMPACT_SHARE = 0.1  # an incremental build compacts when more slots than this are dead


@dataclass
class ChangeReport:
    added: list[str] = field(default_factory=list)
    amended: list[str] = field(default_factory=list)
    abolished: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        for label, ids in (("added", self.added), ("amended", self.amended),
                           ("abolished", self.abolished), ("removed", self.removed)):
            out.append(f"  {label}: {len(ids)}" + (f" ({', '.join(ids[:10])}"
                       + (", ..." if len(ids) > 10 else "") + ")" if ids else ""))
        return out


@dataclass
class BuildResult:
    version: str
    noop: bool
    changes: ChangeReport
    passages: int = 0
    reused: int = 0
    encoded: int = 0
    seconds: float = 0.0
    encode_seconds: float = 0.0
    mode: str = "compact"  # or "incremental"
    dead_slots: int = 0


@dataclass
class Parts:
    """What a build writes into a version, besides the manifest's common part."""

    passage_lines: list[str]
    dense: Any
    bm25: BM25Index
    snapshot: list[str]
    counts: dict[str, int]
    procedure_hashes: dict[str, str]
    abolished: list[str]
    encoded: int
    encode_seconds: float


def item_hash(item: Procedure | FaqEntry) -> str:
    return hashlib.sha256(item.model_dump_json().encode()).hexdigest()[:16]


def _library_versions() -> dict[str, str]:
    import faiss
    from importlib import metadata

    out = {"python": platform.python_version(), "faiss": faiss.__version__, "numpy": np.__version__}
    for dist in ("sentence-transformers", "torch", "transformers", "underthesea", "pydantic",
                 "onnxruntime"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def changes_between(old: dict[str, Any] | None, hashes: dict[str, str],
                    current: dict[str, bool]) -> ChangeReport:
    """Added, amended (content hash differs), newly abolished and removed procedures;
    ``hashes`` and ``current`` (is it in force?) are keyed by procedure id in catalogue order."""
    old_hashes: dict[str, str] = (old or {}).get("procedure_hashes", {})
    old_abolished = set((old or {}).get("abolished", []))
    report = ChangeReport()
    for pid, digest in hashes.items():
        if pid not in old_hashes:
            report.added.append(pid)
        elif old_hashes[pid] != digest:
            report.amended.append(pid)
        if not current[pid] and pid not in old_abolished:
            report.abolished.append(pid)
    report.removed = sorted(set(old_hashes) - set(hashes))
    return report


def calibration_for(calibration_file: Path | None, embedder: Embedder, *,
                    profile: bool = False) -> dict[str, Any] | None:
    """The committed calibration for this exact model id, else for the model (a calibration
    is fitted per model; the passage encoder only moves dense scores a little). ``profile``:
    a catalogue with procedures known but not served takes the ``profile_models`` entry when
    the file has one (see ``indexer.calibration``), else the ordinary one."""
    from indexer.calibration import MODELS, PROFILE_MODELS, load_calibration

    if calibration_file is None:
        return None
    base = getattr(embedder, "calibration_id", embedder.model_id)
    data = (json.loads(Path(calibration_file).read_text(encoding="utf-8"))
            if Path(calibration_file).exists() else {})
    sections = [PROFILE_MODELS, MODELS] if profile else [MODELS]
    for section in sections:
        entries = data.get(section, {})
        for model_id in dict.fromkeys((embedder.model_id, base)):
            if model_id in entries:
                return entries[model_id]
    return load_calibration(calibration_file, base)  # None, with the warning


def build_index(
    knowledge_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    *,
    keep: int = 3,
    force: bool = False,
    progress: bool = True,
    calibration_file: Path | None = None,
    batch_size: int = 64,
    workers: int | None = None,
    compact_share: float = COMPACT_SHARE,
) -> BuildResult:
    """Build and publish a version; ``workers``: encoding processes (default: one per core);
    an incremental build is replaced by a compact one past ``compact_share`` dead slots."""
    from indexer.build_compact import compact_parts
    from indexer.build_incremental import incremental_parts

    started = time.perf_counter()
    index_dir = Path(index_dir)
    calibration = calibration_for(calibration_file, embedder,
                                  profile=(Path(knowledge_dir) / UNSERVED_FILE).exists())
    old = store.current_manifest(index_dir)
    hashes = file_hashes(knowledge_dir)
    files_hash = combined_hash(hashes)
    same_model = old is not None and old.get("model_id") == embedder.model_id
    same_text = old is not None and old.get("text_normalization") == LEXICAL_VERSION
    same_format = old is not None and old.get("format") == store.FORMAT_VERSION
    if (not force and same_format and same_model and same_text
            and old.get("catalog_hash") == files_hash and old.get("calibration") == calibration):
        return BuildResult(old["version"], True, ChangeReport(),
                           seconds=time.perf_counter() - started)
    if old is not None and not same_format:
        logger.warning("index.format_upgrade", extra={
            "from": old.get("format"), "to": store.FORMAT_VERSION,
            "reason": f"index format {old.get('format')} is older than "
                       f"{store.FORMAT_VERSION}: building a complete new version"})
    previous = store.version_path(index_dir) if old is not None else None
    parts, mode = None, "compact"
    if previous is not None and same_format and same_model and same_text and not force:
        parts = incremental_parts(knowledge_dir, previous, old, hashes, embedder,
                                  batch_size=batch_size, compact_share=compact_share)
        mode = "incremental" if parts is not None else mode
    if parts is None:
        parts = compact_parts(knowledge_dir, previous, old, hashes, embedder,
                               reuse_vectors=same_model, reuse_bags=same_text,
                               batch_size=batch_size, progress=progress, workers=workers)
    abolished = set(parts.abolished)
    changes = changes_between(old, parts.procedure_hashes,
                              {pid: pid not in abolished for pid in parts.procedure_hashes})
    manifest_core = {
        "format": store.FORMAT_VERSION,
        "model_id": embedder.model_id,
        "passage_encoder": getattr(embedder, "passage_encoder", "torch"),
        "dim": int(parts.dense.d),
        "normalization": "l2",
        "metric": "inner_product",
        "dense_index": dense.kind_of(parts.dense),
        "prompts": {"query": getattr(embedder, "query_prompt", ""),
                    "passage": getattr(embedder, "passage_prompt", "")},
        "text_normalization": LEXICAL_VERSION,
        "catalog_hash": files_hash,
        "calibration": calibration,
    }
    digest = hashlib.sha256(json.dumps(manifest_core, sort_keys=True).encode()).hexdigest()[:8]
    name = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ") + "-" + digest
    staging = store.staging_dir(index_dir)
    write_parts(staging, parts)
    n_live = parts.counts["passages"]
    manifest = {
        **manifest_core,
        "version": name,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "counts": parts.counts,
        "slots": {"total": parts.bm25.n_slots, "dead": int(len(parts.bm25.dead))},
        "document_hashes": hashes,
        "procedure_hashes": parts.procedure_hashes,
        "abolished": parts.abolished,
        "libraries": _library_versions(),
        "changes": changes.__dict__,
        "build": {"mode": mode, "reused": n_live - parts.encoded, "encoded": parts.encoded},
    }
    store.write_json(staging / "manifest.json", manifest)
    store.commit_version(index_dir, staging, name)
    store.publish(index_dir, name)
    store.prune(index_dir, keep)
    logger.info("index.built", extra={"version": name, "passages": n_live, "mode": mode})
    return BuildResult(name, False, changes, n_live, n_live - parts.encoded, parts.encoded,
                       time.perf_counter() - started, parts.encode_seconds, mode,
                       int(len(parts.bm25.dead)))


def write_parts(directory: Path, parts: Parts) -> None:
    with open(directory / "passages.jsonl", "w", encoding="utf-8") as fh:
        fh.write("".join(line + "\n" for line in parts.passage_lines))
    dense.write(parts.dense, directory / "dense.faiss")
    parts.bm25.save(directory)
    write_snapshot(directory, parts.snapshot)


def passage_line(p: Passage) -> str:
    return json.dumps(p.to_dict(), ensure_ascii=False)


def read_slots(vdir: Path) -> list[Passage | None]:
    """The passage of each slot of a version (None: a dead slot)."""
    with open(vdir / "passages.jsonl", encoding="utf-8") as fh:
        return [None if line.strip() == "null" else Passage.from_dict(json.loads(line))
                for line in fh]


def _write_version(directory: Path, catalog: Catalog, passages: list[Passage],
                   vectors: np.ndarray, tokens: list[list[str] | None],
                   hnsw_min_passages: int = HNSW_MIN_PASSAGES) -> None:
    """Write the files of a compact version from ready vectors and tokens (synthetic indexes
    for benchmarks)."""
    from indexer.bm25 import bag_of

    write_parts(directory, Parts(
        passage_lines=[passage_line(p) for p in passages],
        dense=dense_index(vectors, hnsw_min_passages),
        bm25=BM25Index.from_bags({i: bag_of(t or []) for i, t in enumerate(tokens)},
                                 len(passages)),
        snapshot=snapshot_of(catalog), counts={}, procedure_hashes={}, abolished=[],
        encoded=0, encode_seconds=0.0))
