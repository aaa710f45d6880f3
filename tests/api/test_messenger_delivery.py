"""Messenger deliveries on a real server: 200 comes before the slow turn is answered."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx

from api.main import create_app
from api_fakes import FakeRasa, FakeSearcher, make_settings
from fakes.fixtures import MESSENGER_APP_SECRET, channel_settings, graph_server  # noqa: F401
from fakes.graph import FakeGraph, sign
from fakes.live_api import serve, wait_for

RASA_DELAY = 2.0


def slow_rasa(request: httpx.Request) -> httpx.Response:
    if request.url.path != "/":
        time.sleep(RASA_DELAY)
    return FakeRasa("echo")(request)


def test_webhook_answers_before_the_slow_turn_finishes(
        tmp_path: Path, graph_server: FakeGraph) -> None:  # noqa: F811
    settings = make_settings(tmp_path, rasa_timeout=RASA_DELAY * 3,
                             **channel_settings(tmp_path, None, graph_server))
    app = create_app(settings, searcher_loader=lambda _d: FakeSearcher(),
                     rasa_transport=httpx.MockTransport(slow_rasa))
    body = json.dumps({"object": "page", "entry": [{"id": "1", "time": 1, "messaging": [
        {"sender": {"id": "6789012345678901"}, "recipient": {"id": "1"}, "timestamp": 1,
         "message": {"mid": "m_live", "text": "nộp hồ sơ ở đâu"}}]}]}).encode()
    headers = {"Content-Type": "application/json",
               "X-Hub-Signature-256": sign(body, MESSENGER_APP_SECRET)}
    with serve(app) as url:
        started = time.perf_counter()
        r = httpx.post(f"{url}/webhooks/messenger", content=body, headers=headers, timeout=10)
        acked = time.perf_counter() - started
        assert r.status_code == 200
        assert acked < RASA_DELAY / 2, f"webhook took {acked:.2f}s"
        assert graph_server.texts == []
        assert wait_for(lambda: len(graph_server.texts) == 1, timeout=RASA_DELAY * 5)
    assert graph_server.texts[0].startswith("Rasa nhận: nộp hồ sơ ở đâu")
