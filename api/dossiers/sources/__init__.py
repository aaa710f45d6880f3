"""Where dossiers come from, behind one ``DossierSource`` interface.

``SqlDossierSource`` reads the local ``dossiers`` table (the default, filled by
``python -m api.dossiers import``); ``HttpDossierSource`` asks an upstream one-stop system.
"""

from __future__ import annotations

from typing import Protocol

from api.dossiers.record import DossierRecord


class DossierSourceError(Exception):
    """Base error of the dossier sources."""


class SourceUnavailableError(DossierSourceError):
    """The source cannot answer now (timeout, 5xx, connection refused, circuit open)."""


class DossierSource(Protocol):
    name: str

    def get(self, code: str) -> DossierRecord | None:
        """The dossier with this normalised code, None if the source does not know it.

        Raises ``SourceUnavailableError`` when the source cannot answer.
        """
        ...


__all__ = ["DossierSource", "DossierSourceError", "SourceUnavailableError"]
