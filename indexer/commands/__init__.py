"""Subcommands of ``python -m indexer``; one module per concern, each with ``register()``."""
