"""A synthetic index of N passages for latency and memory measurements at scale.

Procedures of a real index are cloned (new ids, names suffixed with a number) until the
passage count reaches N. Clone vectors are the original passage vectors plus small Gaussian
noise, re-normalised, and clone BM25 tokens are the original tokens plus the clone's number,
so no encoder runs: exact (flat) search costs the same whatever the vectors hold.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from indexer import store
from indexer.build import HNSW_MIN_PASSAGES, _write_version
from indexer.catalog.loader import Catalog
from indexer.catalog.schema import Procedure
from indexer.passages import Passage, build_passages
from indexer.bm25 import BM25Index
from indexer.snapshot import read_items


def build_synthetic(source_index: Path, out_index: Path, n_passages: int, *,
                    seed: int = 0) -> str:
    import faiss

    vdir = store.version_path(source_index)
    manifest = store.read_manifest(vdir)
    if manifest.get("slots", {}).get("dead"):
        raise RuntimeError(f"{vdir} has dead slots: build it with `build --force` first")
    base = [Procedure.model_validate(item) for rel, item in read_items(vdir).items()
            if rel.startswith("procedures/")]
    base_passages = [Passage.from_dict(json.loads(line)) for line in
                     (vdir / "passages.jsonl").read_text(encoding="utf-8").splitlines()]
    base_tokens = BM25Index.load(vdir).doc_tokens()  # bags of words: BM25 needs no order
    index = faiss.read_index(str(vdir / "dense.faiss"))
    base_vectors = index.reconstruct_n(0, index.ntotal)
    by_key = {(p.owner_id, p.aspect, i): i for i, p in enumerate(base_passages)}
    rows_of: dict[str, list[int]] = {}
    for (owner, _, _), i in by_key.items():
        rows_of.setdefault(owner, []).append(i)

    rng = np.random.default_rng(seed)
    procedures: list[Procedure] = []
    src_rows: list[int] = []
    copy = 0
    while len(src_rows) < n_passages:
        for p in base:
            clone = p if copy == 0 else p.model_copy(update={
                "id": f"{p.id}-{copy}", "name": f"{p.name} {copy}", "aliases": [],
                "status": p.status.model_copy(update={"replaced_by": []})})
            procedures.append(clone)
            src_rows.extend(sorted(rows_of.get(p.id, [])))
            if len(src_rows) >= n_passages:
                break
        copy += 1
    catalog = Catalog(root=Path("."), procedures=procedures, faqs=[], glossary=None)
    passages = build_passages(catalog)
    n = len(passages)
    # passages of clones line up with their sources because build order is the same
    if n != len(src_rows):
        raise RuntimeError(f"clone passages ({n}) do not line up with sources ({len(src_rows)})")
    src = np.array(src_rows)
    noise = rng.normal(0, 0.02, size=(n, base_vectors.shape[1])).astype(np.float32)
    vectors = base_vectors[src] + noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    tokens = [list(base_tokens[s]) + ([str(i // 13)] if i >= len(base_passages) else [])
              for i, s in enumerate(src.tolist())]
    staging = store.staging_dir(out_index)
    _write_version(staging, catalog, passages, vectors.astype(np.float32), tokens)
    name = manifest["version"].split("-")[0] + f"-{n % 0xFFFFFFFF:08x}"
    store.write_json(staging / "manifest.json", {
        **{k: manifest[k] for k in ("format", "model_id", "dim", "normalization", "metric",
                                    "prompts", "calibration")},
        "version": name, "built_at": manifest["built_at"], "synthetic": True,
        "dense_index": "hnsw32" if n >= HNSW_MIN_PASSAGES else "flat",
        "counts": {"procedures": len(procedures), "faqs": 0, "passages": n},
    })
    if (store.versions_root(out_index) / name).exists():
        import shutil

        shutil.rmtree(store.versions_root(out_index) / name)
    store.commit_version(out_index, staging, name)
    store.publish(out_index, name)
    return name
