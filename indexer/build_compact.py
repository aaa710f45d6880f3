"""A compact version: every passage in catalogue order, one slot each, a fresh FAISS index.

Vectors and bags of words are reused by passage content hash from the previous version when
its model and text normalisation match (any format); everything else is encoded and tokenised,
each distinct text once, by ``indexer.build_workers``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from indexer import dense
from indexer.bm25 import Bag, BM25Index
from indexer.build_workers import encode_and_tokenize
from indexer.embedding import Embedder
from indexer.passages import build_passages
from indexer.snapshot import load_catalog_reusing, snapshot_of


def compact_parts(knowledge_dir: Path, previous: Path | None, old: dict[str, Any] | None,
                   hashes: dict[str, str], embedder: Embedder, *, reuse_vectors: bool,
                   reuse_bags: bool, batch_size: int, progress: bool,
                   workers: int | None) -> Any:
    """The ``Parts`` of a compact version."""
    from indexer.build import Parts, item_hash, passage_line, read_slots

    catalog = load_catalog_reusing(knowledge_dir, previous, hashes)
    passages = build_passages(catalog)
    old_slot: dict[str, int] = {}
    old_vectors, old_bm25 = None, None
    if previous is not None and (reuse_vectors or reuse_bags):
        for slot, p in enumerate(read_slots(previous)):
            if p is not None:
                old_slot.setdefault(p.id, slot)
        if reuse_vectors:
            old_vectors = dense.read_vectors(previous / "dense.faiss")
        if reuse_bags:
            old_bm25 = BM25Index.load(previous)
    n = len(passages)
    vec_from = np.full(n, -1, dtype=np.int64)  # old slot holding this passage's vector
    old_to_new = np.full(old_bm25.n_slots if old_bm25 is not None else 0, -1, dtype=np.int64)
    todo_vec, todo_bag = [], []
    for i, p in enumerate(passages):
        slot = old_slot.get(p.id)
        if old_vectors is not None and slot is not None:
            vec_from[i] = slot
        else:
            todo_vec.append(i)
        if old_bm25 is not None and slot is not None and old_to_new[slot] < 0:
            old_to_new[slot] = i
        else:
            todo_bag.append(i)
    work = encode_and_tokenize(embedder, [passages[i].text for i in todo_vec],
                               [passages[i].text for i in todo_bag], batch_size=batch_size,
                               progress=progress, workers=workers)
    dim = int(work.vectors.shape[1]) if todo_vec else (
        int(old_vectors.shape[1]) if old_vectors is not None else embedder.dim)
    vectors = np.zeros((n, dim), dtype=np.float32)
    have = np.flatnonzero(vec_from >= 0)
    if len(have):
        vectors[have] = old_vectors[vec_from[have]]
    if todo_vec:
        vectors[todo_vec] = work.vectors
    bags: dict[int, Bag] = dict(zip(todo_bag, work.bags))
    bm25 = BM25Index.from_bags(bags, n, reuse=(old_bm25, old_to_new) if old_bm25 is not None
                               else None)
    return Parts(
        passage_lines=[passage_line(p) for p in passages],
        dense=dense.dense_index(vectors), bm25=bm25, snapshot=snapshot_of(catalog),
        counts={"procedures": len(catalog.procedures), "faqs": len(catalog.faqs),
                "passages": n,
                "glossary": len(catalog.glossary.entries) if catalog.glossary else 0,
                **({"unserved": len(catalog.unserved)} if catalog.unserved else {})},
        procedure_hashes={p.id: item_hash(p) for p in catalog.procedures},
        abolished=[p.id for p in catalog.procedures if not p.is_current],
        encoded=len(todo_vec), encode_seconds=work.seconds)
