"""Zalo OA and Facebook Messenger channels.

Each platform is split like Rasa's channels: verify the signature first, parse the payload with
small predicates, format the reply with a plain-text fallback, and send through a client that
retries. ``pipeline`` runs a delivery through the shared ``TurnService`` in the background.
"""
