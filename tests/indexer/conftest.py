"""Fixtures shared by the indexer tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer.embedding import HashingEmbedder

SMALL_KNOWLEDGE = Path(__file__).parent / "fixtures" / "search_small"


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, remembering every passage text it was asked to encode."""

    def __init__(self, dim: int = 32) -> None:
        super().__init__(dim)
        self.seen: list[str] = []

    def encode_passages(self, texts, *, progress=False):  # type: ignore[no-untyped-def,override]
        self.seen.extend(texts)
        return super().encode_passages(texts)


@pytest.fixture()
def knowledge(tmp_path: Path) -> Path:
    """A writable copy of the small search fixture catalogue."""
    target = tmp_path / "knowledge"
    shutil.copytree(SMALL_KNOWLEDGE, target)
    return target


@pytest.fixture()
def counting_embedder() -> CountingEmbedder:
    return CountingEmbedder()
