"""Okapi BM25 over an inverted index held in flat numpy arrays (CSR by term).

Scoring a query touches only the postings of its terms, so latency grows with the postings
read, not with the number of passages. ``coverage`` divides a score by the best score the
query could reach (every term matched, unseen terms included), giving a 0-1 lexical match
strength that the confidence model uses.

Documents are the index's passage slots. An incremental build removes a slot (``dead``: no
postings, not counted in the document count or the mean length) and appends new ones
(``updated``), so its statistics and scores equal those of a build from scratch over the live
passages; a term left with no postings scores like an unseen term. The postings are also the
passages' stored bags of words: a build reuses them instead of tokenising a passage again.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

Bag = tuple[Sequence[str], Sequence[int], int]  # terms, their counts, token count


def bag_of(tokens: Sequence[str]) -> Bag:
    counts = Counter(tokens)
    return list(counts), list(counts.values()), len(tokens)


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
        dead: np.ndarray | None = None,
    ) -> None:
        self.vocab = vocab
        self.indptr = indptr
        self.doc_ids = doc_ids
        self.tfs = tfs
        self.doc_len = doc_len
        self.k1 = k1
        self.b = b
        self.dead = np.zeros(0, dtype=np.int64) if dead is None else np.asarray(dead, np.int64)
        self.n_slots = int(doc_len.shape[0])
        self.n_docs = self.n_slots - len(self.dead)
        avg = float(doc_len.sum()) / self.n_docs if self.n_docs else 1.0
        self._len_norm = (k1 * (1.0 - b + b * doc_len / max(avg, 1e-9))).astype(np.float32)
        df = np.diff(indptr).astype(np.float64)
        self.idf = np.log1p((self.n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        self.unseen_idf = float(math.log1p((self.n_docs + 0.5) / 0.5))

    @classmethod
    def fit(cls, corpus: Sequence[Sequence[str]], *, k1: float = 1.2, b: float = 0.75) -> BM25Index:
        return cls.from_bags({i: bag_of(t) for i, t in enumerate(corpus)}, len(corpus),
                             k1=k1, b=b)

    @classmethod
    def from_bags(cls, bags: Mapping[int, Bag], n_slots: int, *,
                  reuse: tuple[BM25Index, np.ndarray] | None = None,
                  dead: np.ndarray | None = None, k1: float = 1.2, b: float = 0.75,
                  ) -> BM25Index:
        """An index over ``n_slots`` documents with a sorted vocabulary: ``bags`` by slot, plus
        with ``reuse=(old, old_to_new)`` the postings of ``old``'s documents that
        ``old_to_new`` maps to a new slot (-1: dropped)."""
        doc_len = np.zeros(n_slots, dtype=np.float32)
        parts_term: list[np.ndarray] = []
        parts_doc: list[np.ndarray] = []
        parts_tf: list[np.ndarray] = []
        old_terms: list[str] = []
        if reuse is not None:
            old, old_to_new = reuse
            term_of = np.repeat(np.arange(len(old.indptr) - 1), np.diff(old.indptr))
            new_doc = old_to_new[old.doc_ids]
            keep = new_doc >= 0
            parts_term.append(term_of[keep])
            parts_doc.append(new_doc[keep])
            parts_tf.append(old.tfs[keep])
            moved = old_to_new >= 0
            doc_len[old_to_new[moved]] = old.doc_len[moved]
            old_terms = sorted(old.vocab, key=old.vocab.get)
        fresh_terms: dict[str, int] = {}
        f_term, f_doc, f_tf = [], [], []
        for slot, (terms, counts, length) in bags.items():
            doc_len[slot] = length
            for term, tf in zip(terms, counts):
                idx = fresh_terms.get(term)
                if idx is None:
                    idx = fresh_terms[term] = len(fresh_terms)
                f_term.append(idx)
                f_doc.append(slot)
                f_tf.append(tf)
        used_old = np.unique(parts_term[0]) if parts_term else np.zeros(0, dtype=np.int64)
        terms = sorted({*(old_terms[i] for i in used_old.tolist()), *fresh_terms})
        vocab = {t: i for i, t in enumerate(terms)}
        if parts_term:
            old_map = np.full(len(old_terms), -1, dtype=np.int64)
            old_map[used_old] = [vocab[old_terms[i]] for i in used_old.tolist()]
            parts_term[0] = old_map[parts_term[0]]
        fresh_map = np.array([vocab[t] for t in fresh_terms], dtype=np.int64)
        parts_term.append(fresh_map[np.array(f_term, dtype=np.int64)] if f_term
                          else np.zeros(0, dtype=np.int64))
        parts_doc.append(np.array(f_doc, dtype=np.int64))
        parts_tf.append(np.array(f_tf, dtype=np.float32))
        term_idx = np.concatenate(parts_term).astype(np.int64)
        doc = np.concatenate(parts_doc).astype(np.int64)
        order = np.lexsort((doc, term_idx))
        indptr = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(np.bincount(term_idx, minlength=len(terms)), out=indptr[1:])
        return cls(vocab, indptr, doc[order].astype(np.int32),
                   np.concatenate(parts_tf)[order].astype(np.float32), doc_len, k1=k1, b=b,
                   dead=dead)

    def updated(self, remove: Sequence[int], bags: Mapping[int, Bag], n_slots: int) -> BM25Index:
        """This index with the slots ``remove`` emptied and marked dead, and ``bags`` (slots
        at or beyond the current ``n_slots``) appended; ``n_slots`` is the new slot count.
        Existing terms keep their numbers, new ones are appended to the vocabulary."""
        remove = np.asarray(sorted(set(remove)), dtype=np.int64)
        if np.any((remove < 0) | (remove >= self.n_slots)):
            raise ValueError("removed slots must exist")
        if any(slot < self.n_slots or slot >= n_slots for slot in bags):
            raise ValueError("added slots must come after the existing ones")
        gone = np.zeros(self.n_slots, dtype=bool)
        gone[remove] = True
        keep = ~gone[self.doc_ids]
        term_of = np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr))[keep]
        doc_ids, tfs = self.doc_ids[keep], self.tfs[keep]
        vocab = dict(self.vocab)
        a_term, a_doc, a_tf = [], [], []
        doc_len = np.zeros(n_slots, dtype=np.float32)
        doc_len[: self.n_slots] = self.doc_len
        doc_len[remove] = 0.0
        for slot in sorted(bags):
            terms, counts, length = bags[slot]
            doc_len[slot] = length
            for term, tf in zip(terms, counts):
                a_term.append(vocab.setdefault(term, len(vocab)))
                a_doc.append(slot)
                a_tf.append(tf)
        n_terms = len(vocab)
        counts_per_term = np.bincount(term_of, minlength=n_terms)
        ends = np.cumsum(counts_per_term)  # where each term's kept postings end
        order = np.argsort(np.array(a_term, dtype=np.int64), kind="stable")
        add_term = np.array(a_term, dtype=np.int64)[order]
        doc_ids = np.insert(doc_ids, ends[add_term] if len(add_term) else [],
                            np.array(a_doc, dtype=np.int32)[order])
        tfs = np.insert(tfs, ends[add_term] if len(add_term) else [],
                        np.array(a_tf, dtype=np.float32)[order])
        counts_per_term += np.bincount(add_term, minlength=n_terms)
        indptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(counts_per_term, out=indptr[1:])
        dead = np.union1d(self.dead, remove)
        return BM25Index(vocab, indptr, doc_ids.astype(np.int32), tfs.astype(np.float32),
                         doc_len, k1=self.k1, b=self.b, dead=dead)

    def doc_tokens(self) -> list[list[str]]:
        """Each document's bag of words as a token list (terms repeated by count)."""
        terms = sorted(self.vocab, key=self.vocab.get)
        out: list[list[str]] = [[] for _ in range(self.n_slots)]
        for t, term in enumerate(terms):
            lo, hi = int(self.indptr[t]), int(self.indptr[t + 1])
            for doc, tf in zip(self.doc_ids[lo:hi].tolist(), self.tfs[lo:hi].tolist()):
                out[doc].extend([term] * int(tf))
        return out

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every passage (zeros where nothing matched)."""
        out = np.zeros(self.n_slots, dtype=np.float32)
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
            dead=self.dead,
        )
        meta = {"k1": self.k1, "b": self.b, "terms": sorted(self.vocab, key=self.vocab.get)}
        (directory / "bm25_vocab.json").write_text(json.dumps(meta, ensure_ascii=False),
                                                   encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> BM25Index:
        arrays = np.load(directory / "bm25.npz")
        meta = json.loads((directory / "bm25_vocab.json").read_text(encoding="utf-8"))
        vocab = {t: i for i, t in enumerate(meta["terms"])}
        dead = arrays["dead"] if "dead" in arrays.files else None  # format 1 had none
        return cls(vocab, arrays["indptr"], arrays["doc_ids"], arrays["tfs"], arrays["doc_len"],
                   k1=meta["k1"], b=meta["b"], dead=dead)
