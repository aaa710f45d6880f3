"""Build a new index version from the catalogue: passages, embeddings (reused when a
passage's content hash is unchanged), FAISS and BM25, manifest, atomic publish, change report.
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

from indexer import store
from indexer.calibration import load_calibration
from indexer.catalog.loader import Catalog
from indexer.snapshot import catalog_files_hash, load_catalog_reusing
from indexer.embedding import Embedder
from indexer.passages import Passage, build_passages
from indexer.text import LEXICAL_VERSION, lexical_tokens

logger = logging.getLogger(__name__)


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


def _procedure_hashes(catalog: Catalog) -> dict[str, str]:
    return {
        p.id: hashlib.sha256(p.model_dump_json().encode()).hexdigest()[:16]
        for p in catalog.procedures
    }


def _library_versions() -> dict[str, str]:
    import faiss
    from importlib import metadata

    out = {"python": platform.python_version(), "faiss": faiss.__version__, "numpy": np.__version__}
    for dist in ("sentence-transformers", "torch", "transformers", "underthesea", "pydantic"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def _previous(index_dir: Path, model_id: str) -> tuple[dict[str, Any] | None, dict[str, int],
                                                         np.ndarray | None, list[list[str]]]:
    """Manifest, passage-id -> row, vectors and tokens of the published version."""
    manifest = store.current_manifest(index_dir)
    if manifest is None:
        return None, {}, None, []
    vdir = store.version_path(index_dir)
    rows: dict[str, int] = {}
    with open(vdir / "passages.jsonl", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            rows[json.loads(line)["id"]] = i
    tokens: list[list[str]] = []
    if manifest.get("text_normalization") == LEXICAL_VERSION:
        with open(vdir / "tokens.jsonl", encoding="utf-8") as fh:
            tokens = [json.loads(line) for line in fh]
    vectors = None
    if manifest.get("model_id") == model_id:
        import faiss

        index = faiss.read_index(str(vdir / "dense.faiss"))
        vectors = index.reconstruct_n(0, index.ntotal) if index.ntotal else None
    return manifest, rows, vectors, tokens


def _changes(old: dict[str, Any] | None, catalog: Catalog) -> ChangeReport:
    new_hashes = _procedure_hashes(catalog)
    old_hashes: dict[str, str] = (old or {}).get("procedure_hashes", {})
    old_abolished = set((old or {}).get("abolished", []))
    report = ChangeReport()
    for p in catalog.procedures:
        if p.id not in old_hashes:
            report.added.append(p.id)
        elif old_hashes[p.id] != new_hashes[p.id]:
            report.amended.append(p.id)
        if not p.is_current and p.id not in old_abolished:
            report.abolished.append(p.id)
    report.removed = sorted(set(old_hashes) - set(new_hashes))
    return report


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
) -> BuildResult:
    started = time.perf_counter()
    index_dir = Path(index_dir)
    calibration = load_calibration(calibration_file, embedder.model_id) if calibration_file else None
    old = store.current_manifest(index_dir)
    files_hash = catalog_files_hash(knowledge_dir)
    if (not force and old is not None and old.get("format") == store.FORMAT_VERSION
            and old.get("catalog_hash") == files_hash and old.get("model_id") == embedder.model_id
            and old.get("text_normalization") == LEXICAL_VERSION
            and old.get("calibration") == calibration):
        return BuildResult(old["version"], True, ChangeReport(),
                           seconds=time.perf_counter() - started)

    previous = store.version_path(index_dir) if old is not None else None
    catalog = load_catalog_reusing(knowledge_dir, previous)
    passages = build_passages(catalog)
    old, rows, old_vectors, old_tokens = _previous(index_dir, embedder.model_id)
    changes = _changes(old, catalog)

    reuse = [rows.get(p.id) for p in passages]
    todo = [i for i, r in enumerate(reuse) if r is None or old_vectors is None]
    if todo or old_vectors is None:
        embedder.warm_up(passages=True)
        dim = embedder.dim
    else:  # everything reused: no need to load the model
        dim = int(old_vectors.shape[1])
    vectors = np.zeros((len(passages), dim), dtype=np.float32)
    if old_vectors is not None:
        have = [i for i, r in enumerate(reuse) if r is not None]
        vectors[have] = old_vectors[[reuse[i] for i in have]]
    encode_started = time.perf_counter()
    if todo:
        vectors[todo] = _encode(embedder, [passages[i].text for i in todo], batch_size, progress)
    encode_seconds = time.perf_counter() - encode_started
    tokens = [old_tokens[r] if r is not None and r < len(old_tokens) else None for r in reuse]
    for i in _progress([i for i, t in enumerate(tokens) if t is None], progress, "tokenize"):
        tokens[i] = lexical_tokens(passages[i].text)

    manifest_core = {
        "format": store.FORMAT_VERSION,
        "model_id": embedder.model_id,
        "dim": dim,
        "normalization": "l2",
        "metric": "inner_product",
        "dense_index": "hnsw32" if len(passages) >= HNSW_MIN_PASSAGES else "flat",
        "prompts": {"query": getattr(embedder, "query_prompt", ""),
                    "passage": getattr(embedder, "passage_prompt", "")},
        "text_normalization": LEXICAL_VERSION,
        "catalog_hash": files_hash,
        "calibration": calibration,
    }
    digest = hashlib.sha256(json.dumps(manifest_core, sort_keys=True).encode()).hexdigest()[:8]
    name = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ") + "-" + digest
    staging = store.staging_dir(index_dir)
    _write_version(staging, catalog, passages, vectors, tokens)
    manifest = {
        **manifest_core,
        "version": name,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "counts": {"procedures": len(catalog.procedures), "faqs": len(catalog.faqs),
                   "passages": len(passages), "glossary": len(catalog.glossary.entries)
                   if catalog.glossary else 0},
        "document_hashes": catalog.file_hashes,
        "procedure_hashes": _procedure_hashes(catalog),
        "abolished": [p.id for p in catalog.procedures if not p.is_current],
        "libraries": _library_versions(),
        "changes": changes.__dict__,
        "build": {"reused": len(passages) - len(todo), "encoded": len(todo)},
    }
    store.write_json(staging / "manifest.json", manifest)
    store.commit_version(index_dir, staging, name)
    store.publish(index_dir, name)
    store.prune(index_dir, keep)
    logger.info("index.built", extra={"version": name, "passages": len(passages)})
    return BuildResult(name, False, changes, len(passages), len(passages) - len(todo), len(todo),
                       time.perf_counter() - started, encode_seconds)


def _progress(items: list[int], enabled: bool, desc: str) -> Any:
    if not enabled or len(items) < 200:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="passage")


def _encode(embedder: Embedder, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
    """Encode in batches of similar length (less padding), in the original order."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    bar = None
    if progress and len(texts) >= batch_size:
        from tqdm import tqdm

        bar = tqdm(total=len(texts), desc="encode", unit="passage")
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        out[rows] = embedder.encode_passages([texts[i] for i in rows])
        if bar is not None:
            bar.update(len(rows))
    if bar is not None:
        bar.close()
    return out


HNSW_MIN_PASSAGES = 50_000  # below this, exact flat search is fast enough


def dense_index(vectors: np.ndarray, hnsw_min_passages: int = HNSW_MIN_PASSAGES) -> Any:
    """Exact ``IndexFlatIP``, or ``HNSW32`` over the same inner product for large indexes."""
    import faiss

    dim = vectors.shape[1]
    if len(vectors) >= hnsw_min_passages:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors))
    return index


def _write_version(directory: Path, catalog: Catalog, passages: list[Passage],
                   vectors: np.ndarray, tokens: list[list[str] | None],
                   hnsw_min_passages: int = HNSW_MIN_PASSAGES) -> None:
    import faiss

    from indexer.bm25 import BM25Index

    with open(directory / "passages.jsonl", "w", encoding="utf-8") as fh:
        for p in passages:
            fh.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")
    with open(directory / "tokens.jsonl", "w", encoding="utf-8") as fh:
        for t in tokens:
            fh.write(json.dumps(t, ensure_ascii=False) + "\n")
    faiss.write_index(dense_index(vectors, hnsw_min_passages), str(directory / "dense.faiss"))
    BM25Index.fit([t or [] for t in tokens]).save(directory)
    snapshot = {
        "procedures": [p.model_dump(mode="json") for p in catalog.procedures],
        "faqs": [f.model_dump(mode="json") for f in catalog.faqs],
        "glossary": catalog.glossary.model_dump(mode="json") if catalog.glossary else None,
    }
    store.write_json(directory / "catalog.json", snapshot)
