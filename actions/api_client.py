"""Typed HTTP client for the API endpoints the actions use (contract: docs/architecture.md).

Every call returns either a typed result or an :class:`ApiFailure`; timeouts, connection
errors, HTTP errors and malformed bodies never escape as exceptions, so an action can always
answer the citizen politely.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Dict, List, Literal, Optional, Sequence, Union

import httpx

from actions.dossier_api import (
    DossierLookupResult,
    parse_dossier_error,
    parse_dossier_found,
)
from actions.settings import ActionsSettings, get_settings

logger = logging.getLogger(__name__)

SERVICE_HEADER = "X-Service-Token"  # the API's service credential (API_SERVICE_TOKEN)

AnswerStatus = Literal["answer", "clarify", "abstain", "abolished"]
FailureKind = Literal["timeout", "unreachable", "http_error", "bad_response"]
_STATUSES = ("answer", "clarify", "abstain", "abolished")


@dataclass(frozen=True)
class ProcedureRef:
    id: str
    name: str
    code: Optional[str] = None


@dataclass(frozen=True)
class Button:
    """A quick reply or a clarification candidate, as Rasa buttons expect them."""

    title: str
    payload: str


@dataclass(frozen=True)
class Answer:
    status: AnswerStatus
    text: str
    aspect: Optional[str] = None
    procedure: Optional[ProcedureRef] = None
    quick_replies: List[Button] = field(default_factory=list)
    candidates: List[Button] = field(default_factory=list)
    confidence: Optional[float] = None
    citation: Optional[Dict[str, Any]] = None
    # "yes_no" | "question" | "statement", from the words alone; None from an older API.
    question_form: Optional[str] = None
    verdict: Optional[str] = None  # "yes" | "no" | "unknown" for a yes/no question
    procedures: List[ProcedureRef] = field(default_factory=list)  # all procedures answered


@dataclass(frozen=True)
class HandoffTicket:
    ticket_id: str
    status: str
    within_office_hours: bool
    position: Optional[int] = None
    expected_wait_minutes: Optional[int] = None
    office_hours: Optional[str] = None


@dataclass(frozen=True)
class ApiFailure:
    """Why a call did not give a usable result (for logs; never shown to the citizen)."""

    kind: FailureKind
    detail: str
    status_code: Optional[int] = None


AnswerResult = Union[Answer, ApiFailure]
HandoffResult = Union[HandoffTicket, ApiFailure]


class BadResponse(ValueError):
    """The API answered 2xx with a body that does not follow the contract."""


def _str_or_none(value: Any) -> Optional[str]:
    return None if value is None else str(value)


def _int_or_none(value: Any) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadResponse(f"expected a number, got {type(value).__name__}")
    return int(round(value))


def _procedure_ref(raw: Any) -> ProcedureRef:
    try:
        return ProcedureRef(id=str(raw["id"]), name=str(raw["name"]),
                            code=_str_or_none(raw.get("code")))
    except (KeyError, TypeError) as error:
        raise BadResponse(f"bad procedure {raw!r}") from error


def parse_answer(body: Any) -> Answer:
    """Builds an :class:`Answer` from a ``/v1/answer`` body; raises :class:`BadResponse`."""
    if not isinstance(body, dict):
        raise BadResponse("answer body is not an object")
    status = body.get("status")
    if status not in _STATUSES:
        raise BadResponse(f"unknown answer status {status!r}")
    text = body.get("text") or ""
    if not isinstance(text, str):
        raise BadResponse("answer text is not a string")
    raw_procedure = body.get("procedure")
    procedure = _procedure_ref(raw_procedure) if raw_procedure else None
    raw_procedures = body.get("procedures") or []
    if not isinstance(raw_procedures, list):
        raise BadResponse("procedures is not a list")
    procedures = [_procedure_ref(p) for p in raw_procedures]
    try:
        quick_replies = [
            Button(title=str(q["title"]), payload=str(q["payload"]))
            for q in body.get("quick_replies") or []
        ]
        candidates = [
            Button(title=str(c["name"]), payload=str(c["payload"]))
            for c in body.get("candidates") or []
        ]
    except (KeyError, TypeError) as error:
        raise BadResponse("bad quick_replies or candidates") from error
    if status in ("answer", "abolished") and not text:
        raise BadResponse(f"an {status} needs a text")  # FAQ answers have no procedure
    if status == "clarify" and not candidates:
        raise BadResponse("a clarification needs candidates")
    confidence = body.get("confidence")
    return Answer(
        status=status,
        text=text,
        aspect=_str_or_none(body.get("aspect")),
        procedure=procedure,
        quick_replies=quick_replies,
        candidates=candidates,
        confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
        citation=body.get("citation") if isinstance(body.get("citation"), dict) else None,
        question_form=_str_or_none(body.get("question_form")),
        verdict=_str_or_none(body.get("verdict")),
        procedures=procedures,
    )


def _office_hours_label(value: Any) -> Optional[str]:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("label", "text", "description"):
            if isinstance(value.get(key), str):
                return value[key]
    raise BadResponse(f"cannot read office_hours {value!r}")


def parse_handoff(body: Any) -> HandoffTicket:
    """Builds a :class:`HandoffTicket` from a ``/v1/handoff`` body."""
    if not isinstance(body, dict):
        raise BadResponse("handoff body is not an object")
    try:
        ticket_id = str(body["ticket_id"])
    except KeyError as error:
        raise BadResponse("handoff body has no ticket_id") from error
    within = body.get("within_office_hours")
    if not isinstance(within, bool):
        raise BadResponse("within_office_hours is not a boolean")
    return HandoffTicket(
        ticket_id=ticket_id,
        status=str(body.get("status") or "open"),
        within_office_hours=within,
        position=_int_or_none(body.get("position")),
        expected_wait_minutes=_int_or_none(body.get("expected_wait_minutes")),
        office_hours=_office_hours_label(body.get("office_hours")),
    )


MAX_TRANSCRIPT_TEXT = 4000  # the API rejects longer transcript lines


def _clip(line: Dict[str, Any]) -> Dict[str, Any]:
    text = line.get("text")
    if isinstance(text, str) and len(text) > MAX_TRANSCRIPT_TEXT:
        return {**line, "text": text[: MAX_TRANSCRIPT_TEXT - 1] + "…"}
    return line


class ApiClient:
    """Calls ``/v1/answer`` and ``/v1/handoff`` over one pooled HTTP client, made on first use
    (inside the action server's event loop) and kept: a new client per call cost an SSL
    context and a connection each time, two thirds of the action server's CPU under load."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 8.0,
        connect_timeout: float = 2.0,
        transport: Optional[httpx.AsyncBaseTransport] = None,
        service_token: Optional[str] = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {SERVICE_HEADER: service_token} if service_token else {}
        self._timeout = httpx.Timeout(timeout, connect=min(connect_timeout, timeout))
        self._transport = transport
        self._http: Optional[httpx.AsyncClient] = None

    def _client(self) -> httpx.AsyncClient:
        if self._http is None or self._http.is_closed:
            self._http = httpx.AsyncClient(
                base_url=self.base_url, timeout=self._timeout, transport=self._transport,
                headers=self._headers,
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=20))
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    @classmethod
    def from_settings(cls, settings: Optional[ActionsSettings] = None) -> "ApiClient":
        settings = settings or get_settings()
        return cls(
            settings.api_url,
            timeout=settings.api_timeout,
            connect_timeout=settings.api_connect_timeout,
            service_token=(settings.service_token.get_secret_value()
                           if settings.service_token else None),
        )

    async def answer(
        self,
        *,
        text: str,
        aspect: Optional[str],
        procedure_id: Optional[str],
        sender_id: Optional[str] = None,
        channel: Optional[str] = None,
    ) -> AnswerResult:
        payload = {
            "text": text,
            "aspect": aspect,
            "procedure_id": procedure_id,
            "sender_id": sender_id,
            "channel": channel,
        }
        return await self._post("/v1/answer", payload, parse_answer)

    async def handoff(
        self,
        *,
        sender_id: str,
        channel: Optional[str],
        reason: str,
        transcript: Sequence[Dict[str, Any]],
        category: Optional[str] = None,
        priority: Optional[str] = None,
    ) -> HandoffResult:
        payload = {
            # Rasa's sender id is the API's conversation id when the API relays the
            # message; the API resolves it (or opens a conversation) from sender_id.
            "sender_id": sender_id,
            "channel": channel,
            "reason": reason,
            "category": category,
            "priority": priority,
            "transcript": [_clip(line) for line in transcript],
        }
        return await self._post("/v1/handoff", payload, parse_handoff)

    async def dossier_lookup(
        self, *, code: str, factor: Optional[str], sender_id: str, channel: Optional[str],
        client: Optional[str] = None,
    ) -> DossierLookupResult:
        """``POST /v1/dossiers/lookup``: a found dossier, a typed lookup error or a failure.
        ``client`` is the hashed client address the API put in the message metadata."""
        payload = {"code": code, "factor": factor, "sender_id": sender_id,
                   "channel": channel or "web", "client": client}
        return await self._post("/v1/dossiers/lookup", payload, parse_dossier_found,
                                parse_error=parse_dossier_error)

    async def _post(
        self, path: str, payload: Dict[str, Any], parse: Any, parse_error: Any = None
    ) -> Any:
        body = {key: value for key, value in payload.items() if value is not None}
        try:
            response = await self._client().post(path, json=body)
        except httpx.TimeoutException as error:
            logger.warning("actions.api.timeout", extra={"path": path})
            return ApiFailure("timeout", f"{path}: {type(error).__name__}")
        except httpx.HTTPError as error:
            logger.warning("actions.api.unreachable", extra={"path": path, "error": str(error)})
            return ApiFailure("unreachable", f"{path}: {type(error).__name__}: {error}")
        if response.status_code >= 400 and parse_error is not None:
            try:  # an error the contract describes (e.g. not_verified) is a typed result
                return parse_error(response.json(), response.status_code)
            except (ValueError, BadResponse):
                pass
        if response.status_code >= 400:
            logger.warning(
                "actions.api.http_error", extra={"path": path, "status": response.status_code}
            )
            return ApiFailure("http_error", f"{path}: HTTP {response.status_code}",
                              status_code=response.status_code)
        try:
            return parse(response.json())
        except (ValueError, BadResponse) as error:  # JSONDecodeError is a ValueError
            logger.warning("actions.api.bad_response", extra={"path": path, "error": str(error)})
            return ApiFailure("bad_response", f"{path}: {error}",
                              status_code=response.status_code)
