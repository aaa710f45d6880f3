"""The read side: ``Searcher`` loads the published index version and answers queries with a
hybrid of dense (FAISS inner product over e5 vectors) and lexical (BM25 over folded,
segmented text) retrieval, grouped by procedure, with calibrated confidence and abstention.

``reload()`` swaps in a newly published version as one reference assignment, so requests in
flight finish on the version they started with.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from indexer import store
from indexer.aspects import guess_aspect
from indexer.catalog.schema import FaqEntry, Procedure
from indexer.embedding import Embedder, embedder_from_settings
from indexer.errors import IndexerError, ModelMismatchError
from indexer.calibration import Calibration
from indexer.ranking import MODES, IndexState, rank
from indexer.results import FaqHit, ProcedureHit, SearchFilters, SearchResult
from indexer.settings import IndexerSettings
from indexer.text import analyze_query, is_plain
from indexer.text import warm_up as warm_up_text

logger = logging.getLogger(__name__)

QUERY_CACHE_SIZE = 1024

__all__ = ["FaqHit", "ProcedureHit", "SearchFilters", "SearchResult", "Searcher"]


class Searcher:
    def __init__(self, index_dir: Path, state: IndexState, *, embedder: Embedder | None = None,
                 settings: IndexerSettings | None = None, mode: str = "hybrid") -> None:
        if mode not in MODES:
            raise IndexerError(f"unknown search mode {mode!r}; use one of {', '.join(MODES)}")
        self.index_dir = Path(index_dir)
        self.mode = mode  # "dense" and "lexical" exist for baselines
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self.settings = settings or IndexerSettings()
        self._state = state
        self._embedder = embedder
        self._lock = threading.Lock()
        self._cache_lock = threading.Lock()  # the API searches from several threads at once

    @classmethod
    def load(cls, index_dir: Path | str | None = None, *, embedder: Embedder | None = None,
             settings: IndexerSettings | None = None, mode: str = "hybrid") -> Searcher:
        """Load the published version (the model itself loads lazily on first use)."""
        settings = settings or IndexerSettings()
        index_dir = Path(index_dir) if index_dir is not None else settings.index_dir
        state = IndexState.load(store.version_path(index_dir))
        return cls(index_dir, state, embedder=embedder, settings=settings, mode=mode)

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def manifest(self) -> dict[str, Any]:
        return self._state.manifest

    @property
    def calibration(self) -> Calibration:
        return self._state.calibration

    @property
    def version(self) -> str:
        return self._state.version

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    self._embedder = embedder_from_settings(self.settings)
        self._check_model(self._embedder, self._state)
        return self._embedder

    @staticmethod
    def _check_model(embedder: Embedder, state: IndexState) -> None:
        built_with = state.manifest.get("model_id")
        if built_with and embedder.model_id != built_with:
            raise ModelMismatchError(
                f"index {state.version} was built with {built_with} but the configured model "
                f"is {embedder.model_id}; rebuild with `python -m indexer build`"
            )

    def warm_up(self) -> None:
        """Load the model and the word segmenter now (call from the API's lifespan)."""
        self.embedder.warm_up()
        warm_up_text()
        self.search("khởi động", top_k=1)

    def reload(self) -> bool:
        """Pick up a newly published version; True when the version changed."""
        name = store.current_version(self.index_dir)
        if name is None or name == self._state.version:
            return False
        state = IndexState.load(store.version_path(self.index_dir, name))
        if self._embedder is not None:
            self._check_model(self._embedder, state)
        self._state = state  # one assignment: in-flight searches keep their own reference
        logger.info("searcher.reloaded", extra={"version": name})
        return True

    # -- queries -----------------------------------------------------------------------------
    @property
    def procedures(self) -> dict[str, Procedure]:
        return self._state.procedures

    def procedure(self, procedure_id: str) -> Procedure:
        try:
            return self._state.procedures[procedure_id]
        except KeyError:
            raise IndexerError(f"unknown procedure id {procedure_id!r}") from None

    def faq(self, faq_id: str) -> FaqEntry:
        try:
            return self._state.faqs[faq_id]
        except KeyError:
            raise IndexerError(f"unknown FAQ id {faq_id!r}") from None

    def search(self, query: str, *, top_k: int = 5,
               filters: SearchFilters | None = None) -> SearchResult:
        state = self._state
        analyzed = analyze_query(query, state.glossary)
        aspect = guess_aspect(query)
        if not analyzed.tokens:
            return SearchResult(query, True, 0.0, aspect, version=state.version)
        vector = self._query_vector(analyzed.text)
        return rank(state, query, analyzed.tokens, vector, aspect=aspect, top_k=top_k,
                    filters=filters or SearchFilters(), candidates=self.settings.top_k_passages,
                    mode=self.mode, plain=is_plain(query))

    def _query_vector(self, text: str) -> np.ndarray:
        """Encode with a small LRU cache (repeated questions are common in chat). The cache is
        read and written under a lock (a move_to_end racing a popitem raised KeyError); the
        encoding itself runs outside it."""
        with self._cache_lock:
            cached = self._vectors.get(text)
            if cached is not None:
                self._vectors.move_to_end(text)
                return cached
        vector = self.embedder.encode_queries([text])[0]
        with self._cache_lock:
            self._vectors[text] = vector
            while len(self._vectors) > QUERY_CACHE_SIZE:
                self._vectors.popitem(last=False)
        return vector

    def clear_cache(self) -> None:
        with self._cache_lock:
            self._vectors.clear()

    def set_calibration(self, calibration: Calibration) -> None:
        """Use another calibration (evaluation and baselines; builds take it from the file)."""
        self._state.calibration = calibration
