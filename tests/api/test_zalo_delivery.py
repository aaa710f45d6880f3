"""Zalo deliveries on a real server: 200 before the (slow) answer; replay across workers."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from api.main import create_app
from api_fakes import SERVICE_HEADERS, FakeRasa, FakeSearcher, make_settings
from fakes.fixtures import ZALO_OA_SECRET, channel_settings, zalo_server  # noqa: F401
from fakes.live_api import serve, wait_for
from fakes.zalo import FakeZalo, sign

RASA_DELAY = 2.0


def signed(text: str, msg_id: str) -> tuple[bytes, dict[str, str]]:
    event = {"app_id": "4291763606161179100", "event_name": "user_send_text",
             "timestamp": str(int(time.time() * 1000)), "sender": {"id": "8470091123456789012"},
             "recipient": {"id": "1234567890"}, "message": {"text": text, "msg_id": msg_id}}
    body = json.dumps(event, ensure_ascii=False).encode()
    mac = sign(app_id=str(event["app_id"]), body=body, timestamp=str(event["timestamp"]),
               secret_key=ZALO_OA_SECRET)
    return body, {"Content-Type": "application/json", "X-ZEvent-Signature": mac}


def slow_rasa(request: httpx.Request) -> httpx.Response:
    if request.url.path != "/":
        time.sleep(RASA_DELAY)
    return FakeRasa("echo")(request)


def test_webhook_answers_before_the_slow_turn_finishes(
        tmp_path: Path, zalo_server: FakeZalo) -> None:  # noqa: F811
    settings = make_settings(tmp_path, rasa_timeout=RASA_DELAY * 3,
                             **channel_settings(tmp_path, zalo_server, None))
    app = create_app(settings, searcher_loader=lambda _d: FakeSearcher(),
                     rasa_transport=httpx.MockTransport(slow_rasa))
    with serve(app) as url:
        body, headers = signed("thủ tục đăng ký khai sinh", "live-1")
        started = time.perf_counter()
        r = httpx.post(f"{url}/webhooks/zalo", content=body, headers=headers, timeout=10)
        acked = time.perf_counter() - started
        assert r.status_code == 200
        assert acked < RASA_DELAY / 2, f"webhook took {acked:.2f}s"
        assert zalo_server.texts == []  # the answer is still being worked on
        assert wait_for(lambda: len(zalo_server.texts) == 1, timeout=RASA_DELAY * 5)
    assert zalo_server.texts[0].startswith("Rasa nhận: thủ tục đăng ký khai sinh")


def test_replay_to_another_worker_is_deduplicated_through_redis(
        tmp_path: Path, zalo_server: FakeZalo, redis_url: str) -> None:  # noqa: F811
    settings = make_settings(tmp_path, redis_url=redis_url,
                             **channel_settings(tmp_path, zalo_server, None))
    body, headers = signed("lệ phí kết hôn", f"redis-{uuid.uuid4().hex}")
    apps = [create_app(settings, searcher_loader=lambda _d: FakeSearcher(),
                       rasa_transport=FakeRasa("echo").transport()) for _ in range(2)]
    with (TestClient(apps[0], headers=SERVICE_HEADERS) as first,
          TestClient(apps[1], headers=SERVICE_HEADERS) as second):
        assert first.post("/webhooks/zalo", content=body, headers=headers).status_code == 200
        assert second.post("/webhooks/zalo", content=body, headers=headers).status_code == 200
    assert len(zalo_server.texts) == 1
