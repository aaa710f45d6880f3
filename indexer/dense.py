"""The dense side of a version: FAISS over L2-normalised passage vectors, one row per passage
slot.

A build from scratch writes ``IndexFlatIP`` (exact) or, from ``HNSW_MIN_PASSAGES`` passages,
``HNSW32`` over the same inner product. An incremental build appends the changed passages'
vectors to the previous version's index (HNSW inserts them into its graph) and lists the slots
whose passage is gone as dead; ``LiveDense`` excludes them from every search with an
``IDSelector``, so no graph is rebuilt for a small change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

HNSW_MIN_PASSAGES = 50_000  # below this, exact flat search is fast enough
HNSW_EF_SEARCH = 128


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
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def kind_of(index: Any) -> str:
    import faiss

    return "hnsw32" if isinstance(index, faiss.IndexHNSW) else "flat"


def read(path: Path) -> Any:
    import faiss

    return faiss.read_index(str(path))


def write(index: Any, path: Path) -> None:
    import faiss

    faiss.write_index(index, str(path))


def stored_vectors(index: Any) -> np.ndarray:
    """Zero-copy (n, d) view of the vectors an ``IndexFlat`` or ``IndexHNSWFlat`` holds; valid
    only while ``index`` is alive."""
    import faiss

    flat = faiss.downcast_index(index.storage) if isinstance(index, faiss.IndexHNSW) else index
    n, d = index.ntotal, index.d
    if not n:
        return np.zeros((0, d), dtype=np.float32)
    return faiss.rev_swig_ptr(flat.get_xb(), n * d).reshape(n, d)


def read_vectors(path: Path) -> np.ndarray:
    """A copy of the vectors of the index stored at ``path`` (the view dies with the index)."""
    index = read(path)
    return np.array(stored_vectors(index))


class LiveDense:
    """``search`` over the live slots only (the dead ones are skipped inside FAISS)."""

    def __init__(self, index: Any, dead: np.ndarray) -> None:
        import faiss

        self.index = index
        self.ntotal = index.ntotal
        self.d = index.d
        self.params = None
        hnsw = isinstance(index, faiss.IndexHNSW)
        if hnsw:
            index.hnsw.efSearch = HNSW_EF_SEARCH
        if len(dead):
            live = np.ones(index.ntotal, dtype=bool)
            live[dead] = False
            self._bits = np.packbits(live, bitorder="little")  # kept alive for the selector
            self._selector = faiss.IDSelectorBitmap(index.ntotal, faiss.swig_ptr(self._bits))
            self.params = (faiss.SearchParametersHNSW(sel=self._selector,
                                                      efSearch=HNSW_EF_SEARCH)
                           if hnsw else faiss.SearchParameters(sel=self._selector))

    def search(self, x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if self.params is None:
            return self.index.search(x, k)
        return self.index.search(x, k, params=self.params)
