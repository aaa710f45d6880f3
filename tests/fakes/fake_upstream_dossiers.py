"""A fake upstream one-stop system: ``GET /dossiers/{code}`` over real HTTP on 127.0.0.1.

Modes: ``ok`` (200 with the row, 404 if unknown), ``slow`` (sleeps ``delay`` seconds first),
``error`` (HTTP 500), ``garbage`` (200 with a body that is not a dossier). ``stop()`` closes the
socket so calls get "connection refused" (upstream down); ``start()`` serves again on the same
port. ``hits`` counts the requests that reached the server.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote


PHONE = "0912345678"  # fake; factor "5678"
ID_NUMBER = "001099001234"  # fake; factor "1234"
AGENCY = "Bộ phận Một cửa UBND phường An Bình"
PROCEDURE = {"procedure_id": "dang-ky-khai-sinh", "procedure_code": "1.001193",
             "procedure_name": "Đăng ký khai sinh"}


def code(n: int) -> str:
    return f"000.00.19.H12-251101-{n:04d}"


def sample_rows(now: datetime | None = None) -> dict[str, dict[str, Any]]:
    """One dossier per status (and the late/overdue variants), keyed by code.

    Times are relative to ``now`` so that "not yet due" and "overdue" stay true.
    """
    now = now or datetime.now(timezone.utc)

    def at(days: float) -> str:
        return (now + timedelta(days=days)).isoformat()

    def row(n: int, status: str, **extra: Any) -> dict[str, Any]:
        base: dict[str, Any] = {
            "code": code(n), **PROCEDURE, "applicant_name": "Nguyễn Văn An", "phone": PHONE,
            "id_number": ID_NUMBER, "received_at": at(-10), "due_at": at(3),
            "status": status, "agency": AGENCY, "delivery": "counter"}
        base.update(extra)
        return base

    rows = [
        row(1, "processing"),
        row(2, "received", received_at=at(-1)),
        row(3, "waiting_additional", reason="Bổ sung bản sao giấy chứng nhận kết hôn."),
        row(4, "resolved_on_time", due_at=at(-2), resolved_at=at(-3)),
        row(5, "resolved_on_time", due_at=at(-2), resolved_at=at(-3), delivery="post"),
        row(6, "resolved_late", due_at=at(-6), resolved_at=at(-1), apology_issued=True,
            new_appointment=(now + timedelta(days=-2)).date().isoformat(), delivery="post"),
        row(7, "resolved_late", due_at=at(-6), resolved_at=at(-1)),
        row(8, "processing", due_at=at(-2), apology_issued=True,
            new_appointment=(now + timedelta(days=4)).date().isoformat()),
        row(9, "processing", due_at=at(-2)),
        row(10, "returned", resolved_at=at(-5),
            reason="Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan tiếp nhận."),
        row(11, "refused", resolved_at=at(-5), reason="Không đủ điều kiện theo quy định."),
        row(12, "withdrawn", resolved_at=at(-5)),
        row(13, "processing", phone=None),
    ]
    return {r["code"]: r for r in rows}


class FakeUpstreamDossiers:
    def __init__(self, rows: dict[str, dict[str, Any]] | None = None) -> None:
        self.rows: dict[str, dict[str, Any]] = dict(rows or {})
        self.mode = "ok"
        self.delay = 0.0
        self.hits = 0
        self.port = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms stall

            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def _send(self, status: int, body: object) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                with fake._lock:
                    fake.hits += 1
                    mode, delay = fake.mode, fake.delay
                if mode == "slow":
                    time.sleep(delay)
                if mode == "error":
                    self._send(500, {"error": "internal"})
                    return
                if not self.path.startswith("/dossiers/"):
                    self._send(404, {"error": "not found"})
                    return
                if mode == "garbage":
                    self._send(200, {"unexpected": True})
                    return
                code = unquote(self.path.removeprefix("/dossiers/"))
                row = fake.rows.get(code)
                if row is None:
                    self._send(404, {"error": "unknown dossier"})
                else:
                    self._send(200, row)

        return Handler

    def start(self) -> FakeUpstreamDossiers:
        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeUpstreamDossiers:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":  # manual use: python tests/fakes/fake_upstream_dossiers.py FILE.jsonl
    import sys

    rows = {}
    if len(sys.argv) > 1:
        with open(sys.argv[1], encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    row = json.loads(line)
                    rows[row["code"]] = row
    server = FakeUpstreamDossiers(rows)
    server.port = int(sys.argv[2]) if len(sys.argv) > 2 else 8765
    server.start()
    print(f"fake upstream on {server.url} with {len(rows)} dossiers; Ctrl-C to stop")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
