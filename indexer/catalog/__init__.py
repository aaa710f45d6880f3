"""The procedure catalogue: schema, loading and validation."""

from __future__ import annotations

from indexer.catalog.loader import Catalog, load_catalog
from indexer.catalog.schema import FaqEntry, Glossary, Procedure

__all__ = ["Catalog", "FaqEntry", "Glossary", "Procedure", "load_catalog"]
