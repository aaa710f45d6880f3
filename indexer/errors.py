"""Errors raised by the indexer package."""

from __future__ import annotations


class IndexerError(Exception):
    """Base class for indexer errors."""


class CatalogError(IndexerError):
    """The catalogue on disk cannot be read."""


class IndexNotFoundError(IndexerError):
    """No published index version exists where one was expected."""


class ModelMismatchError(IndexerError):
    """The embedding model differs from the one that built the index."""


class ModelPreparationError(IndexerError):
    """The bundled embedding model could not be converted or failed verification."""
