"""ApiClient: contract-shaped requests, typed results, failures never raised."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import httpx
import pytest

pytest.importorskip("rasa_sdk", reason="needs the Rasa environment (Python 3.10, rasa-sdk)")

from actions.api_client import (  # noqa: E402
    Answer,
    ApiClient,
    ApiFailure,
    HandoffTicket,
    parse_answer,
)
from actions.settings import ActionsSettings  # noqa: E402

from actions_fakes import FakeApi, answer_body  # noqa: E402

pytestmark = pytest.mark.rasa


async def test_answer_sends_the_contract_fields_and_parses_the_reply(fake_api: FakeApi) -> None:
    fake_api.reply("/v1/answer", answer_body())
    result = await fake_api.client().answer(
        text="làm giấy khai sinh cần gì",
        aspect="documents",
        procedure_id=None,
        sender_id="web-1",
        channel="rest",
    )
    assert isinstance(result, Answer)
    assert result.status == "answer"
    assert result.procedure is not None and result.procedure.id == "dang-ky-khai-sinh"
    assert [b.payload for b in result.quick_replies] == ["/ask_processing_time", "/ask_fee"]
    (body,) = fake_api.bodies("/v1/answer")
    # None values are left out instead of being sent as null.
    assert body == {
        "text": "làm giấy khai sinh cần gì",
        "aspect": "documents",
        "sender_id": "web-1",
        "channel": "rest",
    }


async def test_clarification_candidates_become_buttons(fake_api: FakeApi) -> None:
    candidates = [
        {"id": "dang-ky-khai-sinh", "name": "Đăng ký khai sinh",
         "payload": '/choose_procedure{"procedure_id":"dang-ky-khai-sinh"}'},
        {"id": "dang-ky-lai-khai-sinh", "name": "Đăng ký lại khai sinh",
         "payload": '/choose_procedure{"procedure_id":"dang-ky-lai-khai-sinh"}'},
    ]
    fake_api.reply("/v1/answer", answer_body("clarify", candidates=candidates))
    result = await fake_api.client().answer(text="khai sinh", aspect="fee", procedure_id=None)
    assert isinstance(result, Answer) and result.status == "clarify"
    assert [(b.title, b.payload) for b in result.candidates] == [
        (c["name"], c["payload"]) for c in candidates
    ]


@pytest.mark.parametrize(
    "error, kind",
    [
        (httpx.ReadTimeout("slow"), "timeout"),
        (httpx.ConnectTimeout("slow connect"), "timeout"),
        (httpx.ConnectError("refused"), "unreachable"),
        (httpx.RemoteProtocolError("bad"), "unreachable"),
    ],
)
async def test_transport_errors_become_typed_failures(
    fake_api: FakeApi, error: Exception, kind: str
) -> None:
    fake_api.fail("/v1/answer", error)
    result = await fake_api.client().answer(text="x", aspect="fee", procedure_id=None)
    assert isinstance(result, ApiFailure)
    assert result.kind == kind


async def test_http_error_status_is_a_failure(fake_api: FakeApi) -> None:
    fake_api.reply("/v1/answer", {"detail": "boom"}, status_code=503)
    result = await fake_api.client().answer(text="x", aspect="fee", procedure_id=None)
    assert result == ApiFailure("http_error", "/v1/answer: HTTP 503", status_code=503)


@pytest.mark.parametrize(
    "content",
    [
        b"<html>gateway error</html>",
        json.dumps({"status": "maybe", "text": "?"}).encode(),
        json.dumps({"status": "answer", "text": "", "procedure": None}).encode(),
        json.dumps({"status": "clarify", "text": "", "candidates": []}).encode(),
        json.dumps(["not", "an", "object"]).encode(),
    ],
)
async def test_malformed_bodies_are_bad_responses(fake_api: FakeApi, content: bytes) -> None:
    fake_api.raw("/v1/answer", content)
    result = await fake_api.client().answer(text="x", aspect="fee", procedure_id=None)
    assert isinstance(result, ApiFailure)
    assert result.kind == "bad_response"


async def test_handoff_sends_transcript_and_parses_ticket(fake_api: FakeApi) -> None:
    fake_api.reply(
        "/v1/handoff",
        {
            "ticket_id": "T-42",
            "status": "queued",
            "position": 3,
            "expected_wait_minutes": 6.4,
            "within_office_hours": True,
            "office_hours": {"label": "7:30–17:00, thứ Hai đến thứ Sáu"},
        },
    )
    transcript = [{"role": "user", "text": "cho gặp nhân viên", "timestamp": 1.0}]
    result = await fake_api.client().handoff(
        sender_id="web-1", channel="rest", reason="citizen_request", transcript=transcript
    )
    assert result == HandoffTicket(
        ticket_id="T-42",
        status="queued",
        within_office_hours=True,
        position=3,
        expected_wait_minutes=6,
        office_hours="7:30–17:00, thứ Hai đến thứ Sáu",
    )
    (body,) = fake_api.bodies("/v1/handoff")
    assert body["sender_id"] == "web-1"
    assert "conversation_id" not in body  # an unknown conversation_id is a 404 at the API
    assert body["reason"] == "citizen_request"
    assert body["transcript"] == transcript
    assert "category" not in body


async def test_handoff_without_office_hours_flag_is_a_bad_response(fake_api: FakeApi) -> None:
    fake_api.reply("/v1/handoff", {"ticket_id": "T-1", "status": "queued"})
    result = await fake_api.client().handoff(
        sender_id="s", channel=None, reason="citizen_request", transcript=[]
    )
    assert isinstance(result, ApiFailure) and result.kind == "bad_response"


def test_parse_answer_keeps_abolished_text() -> None:
    answer = parse_answer(answer_body("abolished", text="Thủ tục này đã bị bãi bỏ."))
    assert answer.status == "abolished"
    assert answer.text == "Thủ tục này đã bị bãi bỏ."


def test_settings_come_from_actions_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIONS_API_URL", "http://api.internal:9000/")
    monkeypatch.setenv("ACTIONS_API_TIMEOUT", "2.5")
    settings = ActionsSettings()
    assert settings.api_url == "http://api.internal:9000"
    assert settings.api_timeout == 2.5
    client = ApiClient.from_settings(settings)
    assert client.base_url == "http://api.internal:9000"


async def test_the_service_token_from_the_env_is_sent_on_every_call(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIONS_SERVICE_TOKEN", "svc-token-0123456789")
    seen: list = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("X-Service-Token"))
        return httpx.Response(200, json=answer_body("answer", text="ok"))

    client = ApiClient.from_settings(ActionsSettings())
    client._transport = httpx.MockTransport(handle)
    await client.answer(text="lệ phí khai sinh", aspect="fee", procedure_id=None)
    await client.answer(text="lệ phí kết hôn", aspect="fee", procedure_id=None)
    assert seen == ["svc-token-0123456789"] * 2
    assert "svc-token" not in repr(ActionsSettings())  # a secret in settings, not in logs


# --- a real socket: the timeout really fires and a closed port is "unreachable" -------------


class _SlowHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server API)
        time.sleep(1.0)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def slow_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_slow_server_times_out(slow_server: str) -> None:
    client = ApiClient(slow_server, timeout=0.2, connect_timeout=0.2)
    started = time.monotonic()
    result = await client.answer(text="x", aspect="fee", procedure_id=None)
    assert isinstance(result, ApiFailure) and result.kind == "timeout"
    assert time.monotonic() - started < 0.9


async def test_closed_port_is_unreachable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = ApiClient(f"http://127.0.0.1:{port}", timeout=1.0)
    result = await client.answer(text="x", aspect="fee", procedure_id=None)
    assert isinstance(result, ApiFailure) and result.kind == "unreachable"
