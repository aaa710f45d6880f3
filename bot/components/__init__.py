"""bot/components."""
