"""Reads Server-Sent Events from a TestClient stream (test helper)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from fastapi.testclient import TestClient

Event = tuple["str | None", str, dict]


def read_events(client: TestClient, url: str, want: int, headers: dict | None = None,
                timeout: float = 10.0, kind: str = "message",
                on_line: Callable[[str], None] | None = None) -> list[Event]:
    """Events until ``want`` of ``kind`` arrived, the stream ended or ``timeout`` passed."""
    events: list[Event] = []
    deadline = time.monotonic() + timeout
    with client.stream("GET", url, headers=headers or {}) as resp:
        assert resp.status_code == 200, resp.read()
        assert resp.headers["content-type"].startswith("text/event-stream")
        ev_id, ev_name = None, "message"
        for line in resp.iter_lines():
            if on_line is not None:
                on_line(line)
            if line.startswith("id: "):
                ev_id = line[4:]
            elif line.startswith("event: "):
                ev_name = line[7:]
            elif line.startswith("data: "):
                events.append((ev_id, ev_name, json.loads(line[6:])))
                ev_id, ev_name = None, "message"
                if sum(1 for e in events if e[1] == kind) >= want:
                    break
            if time.monotonic() > deadline:
                break
    return events
