"""What the API needs from ``indexer.search.Searcher`` (see docs/architecture.md).

The API is written against this protocol so that tests can pass a small fake; in production
the lifespan loads the real ``Searcher``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from indexer.catalog.schema import FaqEntry, Procedure

logger = logging.getLogger(__name__)


class HitLike(Protocol):
    procedure_id: str
    name: str
    code: str | None
    score: float
    confidence: float


class FaqHitLike(Protocol):
    faq_id: str
    confidence: float


class SearchResultLike(Protocol):
    abstain: bool
    aspect: str | None
    faq_answer: FaqHitLike | None  # the FAQ entry that answers better than any procedure

    @property
    def hits(self) -> Sequence[HitLike]: ...


@runtime_checkable
class SearcherLike(Protocol):
    def search(self, query: str, *, top_k: int = 5, filters: Any = None) -> SearchResultLike: ...

    def procedure(self, procedure_id: str) -> Procedure:
        """Raises ``indexer.errors.IndexerError`` for an unknown id."""
        ...

    def faq(self, faq_id: str) -> FaqEntry:
        """Raises ``indexer.errors.IndexerError`` for an unknown id."""
        ...

    def warm_up(self) -> None:
        """Load models now (the lifespan calls it when ``API_WARM_UP_SEARCHER`` is set)."""
        ...

    @property
    def procedures(self) -> Mapping[str, Procedure]:
        """Every procedure of the loaded catalogue version, by id (the same mapping object
        until a reload: the composer caches the procedure families on it)."""
        ...

    def reload(self) -> bool: ...

    @property
    def manifest(self) -> dict[str, Any]: ...


def load_searcher(index_dir: Path) -> SearcherLike | None:
    """Load the real Searcher; None (logged) when the module or the index is missing."""
    try:
        from indexer.search import Searcher  # imported lazily: models load in the lifespan
    except ImportError as exc:
        logger.warning("search.unavailable: indexer.search cannot be imported (%s)", exc)
        return None
    try:
        return Searcher.load(index_dir)  # type: ignore[no-any-return]
    except Exception as exc:  # noqa: BLE001 - any load failure leaves the API up, not ready
        logger.warning("search.index_not_loaded: %s: %s", type(exc).__name__, exc)
        return None
