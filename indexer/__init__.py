"""Offline catalogue tooling and the search engine the API loads.

Imports nothing from ``api`` or ``actions``.
"""
