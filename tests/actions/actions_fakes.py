"""Fake API for the action tests: scripted replies shaped like the /v1 contract."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Optional

import httpx

from actions.api_client import ApiClient

Handler = Callable[[httpx.Request], httpx.Response]


def answer_body(
    status: str = "answer",
    *,
    procedure_id: str = "dang-ky-khai-sinh",
    name: str = "Đăng ký khai sinh",
    code: Optional[str] = "1.001193",
    aspect: str = "documents",
    text: str = "Thủ tục Đăng ký khai sinh (mã 1.001193) cần: Tờ khai; Giấy chứng sinh.",
    candidates: Optional[List[Dict[str, str]]] = None,
) -> Dict[str, Any]:
    """A /v1/answer response body as docs/architecture.md describes it."""
    has_procedure = status in ("answer", "abolished")
    return {
        "status": status,
        "aspect": aspect,
        "procedure": {"id": procedure_id, "code": code, "name": name} if has_procedure else None,
        "text": text if status != "clarify" else "",
        "citation": {"label": f"{name}, mã {code}", "url": None} if has_procedure else None,
        "quick_replies": [
            {"title": "Thời hạn", "payload": "/ask_processing_time"},
            {"title": "Lệ phí", "payload": "/ask_fee"},
        ]
        if has_procedure
        else [],
        "candidates": candidates or [],
        "confidence": 0.82 if has_procedure else 0.41,
    }


DOSSIER_CODE = "000.00.19.H12-250101-0001"
# Error codes and HTTP statuses of POST /v1/dossiers/lookup (docs/architecture.md, Dossiers).
DOSSIER_ERROR_STATUS = {
    "invalid_code": 422, "factor_required": 422, "not_verified": 403,
    "locked_out": 429, "upstream_unavailable": 503,
}


def dossier_found_body(status: str = "processing", *, text: str, late: bool = False,
                       apology_issued: bool = False) -> Dict[str, Any]:
    """A 200 body of /v1/dossiers/lookup; ``text`` stands for the API's composed answer."""
    return {
        "status": "found",
        "dossier": {
            "code": DOSSIER_CODE,
            "procedure": {"id": "dang-ky-khai-sinh", "code": "1.001193",
                          "name": "Đăng ký khai sinh"},
            "applicant": "Nguyễn V*** A***", "status": status, "status_label": status,
            "reason": None, "overdue": late and status == "processing",
            "late": late, "received_at": "2025-01-01T08:00:00+07:00",
            "due_at": "2025-01-06T17:00:00+07:00", "resolved_at": None, "agency": "UBND xã",
            "apology_issued": apology_issued, "new_appointment": None,
            "delivery": "counter", "delivery_label": "counter",
        },
        "text": text,
        "hotline": "1022",
    }


def dossier_error_body(code: str, *, text: Optional[str] = "API text for the citizen",
                       **extra: Any) -> Dict[str, Any]:
    error: Dict[str, Any] = {"code": code, "message": f"{code} (English)", **extra}
    if text is not None:
        error["text"] = text
    return {"error": error}


class FakeApi:
    """Records requests; answers each path from a queue of scripted responses."""

    def __init__(self) -> None:
        self.requests: List[httpx.Request] = []
        self._script: Dict[str, List[Handler]] = {
            "/v1/answer": [], "/v1/handoff": [], "/v1/dossiers/lookup": []}

    def reply(self, path: str, body: Any, status_code: int = 200) -> "FakeApi":
        self._script[path].append(lambda request: httpx.Response(status_code, json=body))
        return self

    def fail(self, path: str, error: Exception) -> "FakeApi":
        def raise_error(request: httpx.Request) -> httpx.Response:
            raise error

        self._script[path].append(raise_error)
        return self

    def raw(self, path: str, content: bytes, status_code: int = 200) -> "FakeApi":
        self._script[path].append(lambda request: httpx.Response(status_code, content=content))
        return self

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self._script.get(request.url.path)
        if not queue:
            return httpx.Response(404, json={"detail": "not scripted"})
        return queue.pop(0)(request)

    def bodies(self, path: str) -> List[Dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests if r.url.path == path]

    def client(self) -> ApiClient:
        return ApiClient("http://api.test", timeout=1.0, transport=httpx.MockTransport(self.handle))


def slot_events(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def responses(dispatcher: Any) -> List[Optional[str]]:
    return [m.get("response") for m in dispatcher.messages]
