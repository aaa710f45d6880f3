"""Okapi BM25 over an inverted index held in flat numpy arrays (CSR by term).

Scoring a query touches only the postings of its terms, so latency grows with the postings
read, not with the number of passages. ``coverage`` divides a score by the best score the
query could reach (every term matched, unseen terms included), giving a 0-1 lexical match
strength that the confidence model uses.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np


class BM25Index:
    def __init__(
        self,
        vocab: dict[str, int],
        indptr: np.ndarray,
        doc_ids: np.ndarray,
        tfs: np.ndarray,
        doc_len: np.ndarray,
        *,
        k1: float = 1.2,
        b: float = 0.75,
    ) -> None:
        self.vocab = vocab
        self.indptr = indptr
        self.doc_ids = doc_ids
        self.tfs = tfs
        self.doc_len = doc_len
        self.k1 = k1
        self.b = b
        self.n_docs = int(doc_len.shape[0])
        avg = float(doc_len.mean()) if self.n_docs else 1.0
        self._len_norm = (k1 * (1.0 - b + b * doc_len / max(avg, 1e-9))).astype(np.float32)
        df = np.diff(indptr).astype(np.float64)
        self.idf = np.log1p((self.n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        self.unseen_idf = float(math.log1p((self.n_docs + 0.5) / 0.5))

    @classmethod
    def fit(cls, corpus: Sequence[Sequence[str]], *, k1: float = 1.2, b: float = 0.75) -> BM25Index:
        postings: dict[str, list[tuple[int, int]]] = {}
        doc_len = np.zeros(len(corpus), dtype=np.float32)
        for doc_id, tokens in enumerate(corpus):
            doc_len[doc_id] = len(tokens)
            for term, tf in Counter(tokens).items():
                postings.setdefault(term, []).append((doc_id, tf))
        terms = sorted(postings)
        vocab = {t: i for i, t in enumerate(terms)}
        indptr = np.zeros(len(terms) + 1, dtype=np.int64)
        for i, term in enumerate(terms):
            indptr[i + 1] = indptr[i] + len(postings[term])
        doc_ids = np.empty(int(indptr[-1]), dtype=np.int32)
        tfs = np.empty(int(indptr[-1]), dtype=np.float32)
        for i, term in enumerate(terms):
            rows = postings[term]
            doc_ids[indptr[i] : indptr[i + 1]] = [r[0] for r in rows]
            tfs[indptr[i] : indptr[i + 1]] = [r[1] for r in rows]
        return cls(vocab, indptr, doc_ids, tfs, doc_len, k1=k1, b=b)

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every passage (zeros where nothing matched)."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        for term, qtf in Counter(query_tokens).items():
            idx = self.vocab.get(term)
            if idx is None:
                continue
            lo, hi = self.indptr[idx], self.indptr[idx + 1]
            ids = self.doc_ids[lo:hi]
            tf = self.tfs[lo:hi]
            out[ids] += qtf * self.idf[idx] * tf * (self.k1 + 1) / (tf + self._len_norm[ids])
        return out

    def max_score(self, query_tokens: Sequence[str]) -> float:
        """Upper bound of ``scores`` for this query: every term matched with a high tf."""
        total = 0.0
        for term, qtf in Counter(query_tokens).items():
            idx = self.vocab.get(term)
            idf = self.unseen_idf if idx is None else float(self.idf[idx])
            total += qtf * idf * (self.k1 + 1)
        return total

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.savez(
            directory / "bm25.npz",
            indptr=self.indptr, doc_ids=self.doc_ids, tfs=self.tfs, doc_len=self.doc_len,
        )
        meta = {"k1": self.k1, "b": self.b, "terms": sorted(self.vocab, key=self.vocab.get)}
        (directory / "bm25_vocab.json").write_text(json.dumps(meta, ensure_ascii=False),
                                                   encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> BM25Index:
        arrays = np.load(directory / "bm25.npz")
        meta = json.loads((directory / "bm25_vocab.json").read_text(encoding="utf-8"))
        vocab = {t: i for i, t in enumerate(meta["terms"])}
        return cls(vocab, arrays["indptr"], arrays["doc_ids"], arrays["tfs"], arrays["doc_len"],
                   k1=meta["k1"], b=meta["b"])
