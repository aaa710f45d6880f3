"""What the API needs from ``indexer.search.Searcher`` (see docs/architecture.md).

The API is written against this protocol so that tests can pass a small fake; in production
the lifespan loads the real ``Searcher``.
"""

from __future__ import annotations

from pathlib import Path
from collections.abc import Mapping
from typing import Any, Protocol, Sequence

from indexer.catalog.schema import Procedure


class HitLike(Protocol):
    procedure_id: str
    name: str
    code: str | None
    score: float
    confidence: float


class SearchResultLike(Protocol):
    abstain: bool
    aspect: str | None

    @property
    def hits(self) -> Sequence[HitLike]: ...


class SearcherLike(Protocol):
    def search(self, query: str, *, top_k: int = 5, filters: Any = None) -> SearchResultLike: ...

    def procedure(self, procedure_id: str) -> Procedure: ...

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
    import logging

    logger = logging.getLogger(__name__)
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
