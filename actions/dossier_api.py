"""Typed results of ``POST /v1/dossiers/lookup`` (contract: docs/architecture.md, Dossiers).

A found dossier carries the API's ready-to-show ``text``; a lookup error carries its distinct
``code`` (``not_verified``, ``locked_out``, ...) and, usually, a ready-to-show ``text``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Union

if TYPE_CHECKING:
    from actions.api_client import ApiFailure

ERROR_CODES = (
    "invalid_code",
    "factor_required",
    "not_verified",
    "locked_out",
    "upstream_unavailable",
    "invalid_request",
)


class BadDossierBody(ValueError):
    """The API's dossier answer does not follow the contract."""


@dataclass(frozen=True)
class DossierFound:
    code: str
    status: str
    text: str
    late: bool = False
    hotline: Optional[str] = None


@dataclass(frozen=True)
class DossierError:
    code: str
    http_status: int
    text: Optional[str] = None
    remaining_attempts: Optional[int] = None
    hotline: Optional[str] = None


DossierLookupResult = Union[DossierFound, DossierError, "ApiFailure"]


def parse_dossier_found(body: Any) -> DossierFound:
    if not isinstance(body, dict) or not isinstance(body.get("dossier"), dict):
        raise BadDossierBody("dossier body has no dossier object")
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BadDossierBody("dossier body has no text")
    dossier = body["dossier"]
    return DossierFound(
        code=str(dossier.get("code") or ""),
        status=str(dossier.get("status") or ""),
        text=text,
        late=bool(dossier.get("late") or dossier.get("overdue")),
        hotline=str(body["hotline"]) if body.get("hotline") else None,
    )


def parse_dossier_error(body: Any, http_status: int) -> DossierError:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or error.get("code") not in ERROR_CODES:
        raise BadDossierBody("not a dossier lookup error")
    text = error.get("text")
    remaining = error.get("remaining_attempts")
    return DossierError(
        code=str(error["code"]),
        http_status=http_status,
        text=text if isinstance(text, str) and text.strip() else None,
        remaining_attempts=remaining if isinstance(remaining, int)
        and not isinstance(remaining, bool) else None,
        hotline=str(error["hotline"]) if error.get("hotline") else None,
    )
