"""Conversation store: SQLAlchemy models, engine, and keyword-only data-access functions."""
