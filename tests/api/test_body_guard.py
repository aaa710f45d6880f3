"""Bodies that would break a parser get a clean 400 before any route (or signature check)
reads them: JSON nested deeper than the limit, whatever content type it is sent with."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.middleware import MAX_JSON_DEPTH, nesting_exceeds


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def test_nesting_is_counted_outside_strings_only() -> None:
    assert not nesting_exceeds(nested(MAX_JSON_DEPTH))
    assert nesting_exceeds(nested(MAX_JSON_DEPTH + 1))
    assert nesting_exceeds(b"[" * 100_000)
    brackets_in_text = b'{"text": "' + b"{[" * 500 + b'\\" {{{"}'
    assert not nesting_exceeds(brackets_in_text)


@pytest.mark.parametrize("path,ctype", [
    ("/v1/chat/web", "application/json"),
    ("/webhooks/zalo", "application/json"),
    ("/webhooks/zalo", "text/plain"),
    ("/webhooks/messenger", "application/json"),
])
def test_deeply_nested_json_is_400_not_500(client: TestClient, path: str, ctype: str) -> None:
    r = client.post(path, content=nested(5_000), headers={"Content-Type": ctype})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "too_deep"


def test_ordinary_nesting_still_reaches_the_route(client: TestClient) -> None:
    r = client.post("/v1/chat/web", content=nested(5), headers={"Content-Type": "application/json"})
    assert r.status_code == 422  # the route's own validation, not the guard
