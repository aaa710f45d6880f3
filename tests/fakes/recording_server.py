"""A small threaded HTTP server on a free loopback port that records every request."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8")).items()}


@dataclass
class Reply:
    status: int
    body: Any
    delay: float = 0.0


@dataclass
class RecordingServer:
    """Subclasses implement ``respond``. ``fail_next(n, status)`` scripts failures first;
    ``problems`` collects every way a request broke the platform's rules."""

    requests: list[Recorded] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    _scripted: list[Reply] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def respond(self, req: Recorded) -> Reply:  # pragma: no cover - overridden
        raise NotImplementedError

    def fail_next(self, times: int = 1, status: int = 500, body: Any = None,
                  delay: float = 0.0) -> None:
        with self._lock:
            self._scripted += [Reply(status, body or {"error": "scripted failure"}, delay)
                               for _ in range(times)]

    def problem(self, text: str) -> None:
        with self._lock:
            self.problems.append(text)

    def _handle(self, req: Recorded) -> Reply:
        with self._lock:
            self.requests.append(req)
            scripted = self._scripted.pop(0) if self._scripted else None
        return scripted or self.respond(req)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> str:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                self._serve()

            def do_GET(self) -> None:  # noqa: N802
                self._serve()

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                req = Recorded(self.command, parts.path,
                               {k: v[0] for k, v in parse_qs(parts.query).items()},
                               {k.lower(): v for k, v in self.headers.items()},
                               self.rfile.read(length))
                reply = owner._handle(req)
                if reply.delay:
                    threading.Event().wait(reply.delay)
                data = json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}"
        return self.url

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
