"""Province profiles: the procedures one province serves, from its list, the portal import and
the curated catalogue (``python -m indexer profile``)."""
