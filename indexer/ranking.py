"""Hybrid ranking over one loaded index version: candidates from FAISS and BM25, scores
grouped per procedure (or FAQ entry), fused, filtered, and given a calibrated confidence.

A province profile's index also holds one passage per procedure known but not served
(``unserved``). They are scored like procedures and never returned as hits; when the best of
them beats the best served procedure by the calibration's ``unserved_margin``, the result
abstains and names it (``SearchResult.not_served``): the question is about a procedure this
catalogue does not serve, not about its nearest served neighbour."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from indexer.bm25 import BM25Index
from indexer.calibration import Calibration
from indexer.catalog.schema import (FaqEntry, Glossary, Procedure, StatusKind, UnservedList,
                                    UnservedProcedure)
from indexer.passages import EXAMPLES, FAQ, PROCEDURE, UNSERVED, Passage
from indexer.results import FaqHit, NotServedHit, ProcedureHit, SearchFilters, SearchResult
from indexer.store import read_manifest
from indexer.text import GlossaryIndex, fold, normalize, sound_key, syllables


MODES = ("hybrid", "dense", "lexical")
FAISS_THREADS = 1
DEAD_SLOT = Passage("", "dead", "", "", "")  # a slot whose passage is gone (never a candidate)


@dataclass
class IndexState:
    version: str
    manifest: dict[str, Any]
    passages: list[Passage]
    dense: Any  # indexer.dense.LiveDense over faiss.IndexFlatIP or IndexHNSWFlat
    vectors: np.ndarray  # zero-copy view of the FAISS storage
    bm25: BM25Index
    procedures: dict[str, Procedure]
    faqs: dict[str, FaqEntry]
    glossary: GlossaryIndex
    calibration: Calibration
    by_owner: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    unserved: dict[str, UnservedProcedure] = field(default_factory=dict)  # by code
    _names: dict[tuple[str, str], list[tuple[frozenset[str], dict[str, float], float]]] = field(
        default_factory=dict)

    def key_idf(self, key: str) -> float:
        idx = self.bm25.vocab.get("~" + key)
        return self.bm25.unseen_idf if idx is None else float(self.bm25.idf[idx])

    def name_match(self, procedure_id: str, query_keys: set[str], kind: str = PROCEDURE) -> float:
        """How completely the query names the procedure: over its name and aliases, the best
        IDF-weighted share of the name's syllables (by sound key) that the query contains.
        ``kind`` UNSERVED: ``procedure_id`` is the code of a procedure known but not served."""
        names = self._names.get((kind, procedure_id))
        if names is None:
            names = []
            all_names = (self.procedures[procedure_id].all_names() if kind == PROCEDURE
                         else [self.unserved[procedure_id].name])
            for name in all_names:
                keys = frozenset(sound_key(s) for s in syllables(name))
                idf = {k: self.key_idf(k) for k in keys}
                names.append((keys, idf, sum(idf.values())))
            self._names[(kind, procedure_id)] = names
        best = 0.0
        for keys, idf, total in names:
            if total:
                best = max(best, sum(idf[k] for k in keys & query_keys) / total)
        return best

    @classmethod
    def load(cls, vdir: Path) -> IndexState:
        """Load a version (format 2, or format 1 written before incremental builds)."""
        import faiss

        from indexer.catalog.loader import UNSERVED_FILE
        from indexer.dense import LiveDense, stored_vectors
        from indexer.snapshot import read_items

        faiss.omp_set_num_threads(FAISS_THREADS)  # one query at a time: extra threads only spin
        manifest = read_manifest(vdir)
        with open(vdir / "passages.jsonl", encoding="utf-8") as fh:
            passages = [DEAD_SLOT if line.startswith("null") else
                        Passage.from_dict(json.loads(line)) for line in fh]
        bm25 = BM25Index.load(vdir)
        index = faiss.read_index(str(vdir / "dense.faiss"))
        dense = LiveDense(index, bm25.dead)  # dead slots: passages gone since a compact build
        procedures: dict[str, Procedure] = {}
        faqs: dict[str, FaqEntry] = {}
        glossary = GlossaryIndex.empty()
        unserved: dict[str, UnservedProcedure] = {}
        for rel, item in read_items(vdir).items():
            if rel == "glossary.yaml":
                g = Glossary.model_validate(item)
                glossary = GlossaryIndex.from_pairs((e.term, e.canonical) for e in g.entries)
            elif rel == UNSERVED_FILE:
                unserved = {u.code: u for u in UnservedList.model_validate(item).procedures}
            elif rel.startswith("procedures/"):
                procedures[item["id"]] = Procedure.model_validate(item)
            else:
                faqs[item["id"]] = FaqEntry.model_validate(item)
        by_owner: dict[tuple[str, str], list[int]] = {}
        for i, p in enumerate(passages):
            if p is not DEAD_SLOT:
                by_owner.setdefault((p.kind, p.owner_id), []).append(i)
        return cls(manifest["version"], manifest, passages, dense, stored_vectors(index),
                   bm25, procedures, faqs, glossary,
                   Calibration.from_dict(manifest.get("calibration")), by_owner, unserved)


@dataclass
class _Entity:
    kind: str
    owner_id: str
    dense: float = -1.0
    lex: float = 0.0
    name: float = 0.0
    fused: float = 0.0
    rows: dict[int, float] = field(default_factory=dict)  # passage row -> passage score


def _matches(p: Procedure, filters: SearchFilters) -> bool:
    if filters.status:
        wanted = filters.status.lower()
        if wanted == "current" and not p.is_current:
            return False
        if wanted != "current" and p.status.state.value != wanted:
            return False
    if filters.level:
        wanted_level = fold(normalize(filters.level)).removeprefix("cap ")
        if not any(fold(normalize(lv)).removeprefix("cap ") == wanted_level for lv in p.levels):
            return False
    return True


def _override(p: Procedure, province: str | None) -> dict[str, Any] | None:
    if not province:
        return None
    key = fold(normalize(province))
    for o in p.province_overrides:
        if fold(normalize(o.province)) == key:
            return o.model_dump(mode="json")
    return None


_FEATURE_ATTRS = ("fused", "dense", "lex", "name")


def _features(ranked: list[_Entity], i: int,
              top2: dict[str, tuple[float, float, int]]) -> dict[str, float]:
    """Signals of entity ``i`` and its margin over the best other entity, per signal."""
    e = ranked[i]
    out = {}
    for attr in _FEATURE_ATTRS:
        value = getattr(e, attr)
        first, second, first_at = top2[attr]
        out[attr] = value
        out[f"{attr}_margin"] = value - (second if first_at == i else first)
    return out


def _top2(ranked: list[_Entity]) -> dict[str, tuple[float, float, int]]:
    out = {}
    for attr in _FEATURE_ATTRS:
        first, second, first_at = 0.0, 0.0, -1
        for i, e in enumerate(ranked):
            v = getattr(e, attr)
            if first_at < 0 or v > first:
                first, second, first_at = v, first if first_at >= 0 else 0.0, i
            elif v > second:
                second = v
        out[attr] = (first, second, first_at)
    return out


def rank(state: IndexState, query: str, tokens: list[str], vector: np.ndarray, *,
         aspect: str | None, top_k: int, filters: SearchFilters, candidates: int,
         mode: str = "hybrid", plain: bool = False) -> SearchResult:
    cal = state.calibration
    alpha, beta = cal.weights_for(plain)
    w_dense = 0.0 if mode == "lexical" else 1.0
    w_lex = 0.0 if mode == "dense" else (1.0 if mode == "lexical" else alpha)
    n = len(state.passages)
    k = min(candidates, n)
    rows: dict[int, tuple[float, float]] = {}
    if k:
        parts = []
        if mode != "lexical":
            _, ids = state.dense.search(vector.reshape(1, -1).astype(np.float32), k)
            parts.append(ids[0][ids[0] >= 0])
        lex_all = state.bm25.scores(tokens)
        if mode != "dense":
            top_lex = np.argpartition(-lex_all, k - 1)[:k] if k < n else np.arange(n)
            parts.append(top_lex[lex_all[top_lex] > 0])
        cand = np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
        dense_scores = state.vectors[cand] @ vector
        max_lex = state.bm25.max_score(tokens) or 1.0
        for row, ds in zip(cand.tolist(), dense_scores.tolist()):
            rows[row] = (float(ds), float(lex_all[row]) / max_lex)

    entities: dict[tuple[str, str], _Entity] = {}
    for row, (ds, lx) in rows.items():
        p = state.passages[row]
        if p.kind == PROCEDURE and not _matches(state.procedures[p.owner_id], filters):
            continue
        e = entities.setdefault((p.kind, p.owner_id), _Entity(p.kind, p.owner_id))
        e.dense = max(e.dense, ds)
        e.lex = max(e.lex, lx)
        e.rows[row] = w_dense * ds + w_lex * lx
    query_keys = {t[1:] for t in tokens if t.startswith("~")}
    w_name = beta if mode == "hybrid" else 0.0
    for e in entities.values():
        if e.kind in (PROCEDURE, UNSERVED):
            e.name = state.name_match(e.owner_id, query_keys, e.kind)
        e.fused = w_dense * e.dense + w_lex * e.lex + w_name * e.name
    ranked = sorted(entities.values(), key=lambda e: e.fused, reverse=True)

    procs = [e for e in ranked if e.kind == PROCEDURE]
    faqs = [e for e in ranked if e.kind == FAQ]
    unserved = next((e for e in ranked if e.kind == UNSERVED), None)
    ptop, ftop = _top2(procs), _top2(faqs)
    hits = [_procedure_hit(state, procs, i, aspect, filters, ptop, unserved)
            for i in range(min(len(procs), top_k))]
    hits = _with_replacements(state, hits, filters)[:top_k]
    faq_hits = [_faq_hit(state, faqs, i, ftop) for i in range(min(len(faqs), top_k))]
    confidence = hits[0].confidence if hits else 0.0
    abstain = confidence < cal.threshold
    not_served = _not_served(state, unserved, procs, cal.unserved_margin)
    faq_answer = None
    if faq_hits and faq_hits[0].confidence >= cal.threshold and (
            not hits or abstain or faq_hits[0].score > hits[0].score) and (
            not_served is None or faq_hits[0].score > not_served.score):
        faq_answer = faq_hits[0]
    return SearchResult(query, abstain or not_served is not None, confidence, aspect, hits,
                        faq_hits, faq_answer, state.version, not_served)


def _not_served(state: IndexState, best: _Entity | None, procs: list[_Entity],
                margin: float | None) -> NotServedHit | None:
    """The procedure known but not served that the query is about (``best``: the best scored
    one), when its score beats the best served procedure's by ``margin`` (None: never)."""
    if margin is None:
        return None
    if best is None or (procs and best.fused <= procs[0].fused + margin):
        return None
    u = state.unserved[best.owner_id]
    return NotServedHit(code=u.code, name=u.name, field=u.field, score=best.fused)


SERVED_GAP_CAP = 1.0  # served_gap when no unserved procedure is a candidate, and its bound


def _procedure_hit(state: IndexState, procs: list[_Entity], i: int, aspect: str | None,
                   filters: SearchFilters, top2: dict[str, tuple[float, float, int]],
                   unserved: _Entity | None = None) -> ProcedureHit:
    e = procs[i]
    p = state.procedures[e.owner_id]
    feats = _features(procs, i, top2)
    # the record has curated wording (aliases): its right answers match by name much more
    # strongly than an imported record's, so confidence is calibrated for each kind
    feats["aliased"] = 1.0 if p.aliases else 0.0
    # how far it scores above the best procedure known but not served (profiles only)
    feats["served_gap"] = SERVED_GAP_CAP if unserved is None else float(
        max(-SERVED_GAP_CAP, min(SERVED_GAP_CAP, e.fused - unserved.fused)))
    best: dict[str, tuple[float, int]] = {}
    for row, score in e.rows.items():
        a = state.passages[row].aspect
        if a != EXAMPLES and (a not in best or score > best[a][0]):
            best[a] = (score, row)
    passages = {a: state.passages[r] for a, (_, r) in sorted(best.items(), key=lambda x: -x[1][0])}
    if aspect and aspect not in passages:  # the asked aspect, even if it did not match
        for row in state.by_owner.get((PROCEDURE, p.id), []):
            if state.passages[row].aspect == aspect:
                passages[aspect] = state.passages[row]
    abolished = p.status.state is StatusKind.abolished
    return ProcedureHit(
        procedure_id=p.id, name=p.name, code=p.code, score=e.fused,
        confidence=state.calibration.confidence(feats), status=p.status.state.value,
        passages=passages,
        abolished_on=p.status.effective_date.isoformat()
        if abolished and p.status.effective_date else None,
        replaced_by=[{"id": r, "name": state.procedures[r].name if r in state.procedures else r}
                     for r in p.status.replaced_by],
        province_override=_override(p, filters.province), features=feats)


def _with_replacements(state: IndexState, hits: list[ProcedureHit],
                       filters: SearchFilters) -> list[ProcedureHit]:
    """Put each abolished procedure's replacement right after it when it is not listed."""
    out: list[ProcedureHit] = []
    listed = {h.procedure_id for h in hits}
    for h in hits:
        out.append(h)
        if h.is_current:
            continue
        for ref in h.replaced_by:
            p = state.procedures.get(ref["id"])
            if p is None or p.id in listed or not _matches(p, filters):
                continue
            listed.add(p.id)
            out.append(ProcedureHit(
                procedure_id=p.id, name=p.name, code=p.code, score=h.score,
                confidence=h.confidence, status=p.status.state.value,
                passages={state.passages[r].aspect: state.passages[r]
                          for r in state.by_owner.get((PROCEDURE, p.id), [])
                          if state.passages[r].aspect == "overview"},
                province_override=_override(p, filters.province)))
    return out


def _faq_hit(state: IndexState, faqs: list[_Entity], i: int,
             top2: dict[str, tuple[float, float, int]]) -> FaqHit:
    e = faqs[i]
    f = state.faqs[e.owner_id]
    main = next(state.passages[r] for r in state.by_owner[(FAQ, f.id)]
                if state.passages[r].aspect == FAQ)
    return FaqHit(f.id, f.question, f.answer, e.fused,
                  state.calibration.confidence(_features(faqs, i, top2)), main)
