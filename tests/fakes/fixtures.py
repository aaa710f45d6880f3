"""pytest fixtures starting the fake platforms; import them into a test module by name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.graph import FakeGraph
from fakes.zalo import FakeZalo

ZALO_OA_SECRET = "zalo-oa-secret-key-for-tests"
MESSENGER_APP_SECRET = "messenger-app-secret-for-tests"
MESSENGER_VERIFY_TOKEN = "verify-token-for-tests"


@pytest.fixture
def zalo_server() -> Iterator[FakeZalo]:
    server = FakeZalo()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def graph_server() -> Iterator[FakeGraph]:
    server = FakeGraph()
    server.start()
    yield server
    server.stop()


def channel_settings(tmp_path: Path, zalo: FakeZalo | None,
                     graph: FakeGraph | None) -> dict[str, object]:
    """ApiSettings overrides pointing the channels at the fakes (fast retries)."""
    values: dict[str, object] = {"channel_retry_backoff": 0.01, "channel_send_timeout": 2.0,
                                 "zalo_token_file": tmp_path / "zalo-tokens.json"}
    if zalo is not None:
        values.update(zalo_app_id=zalo.app_id, zalo_oa_secret_key=ZALO_OA_SECRET,
                      zalo_access_token=zalo.access_token,
                      zalo_refresh_token=zalo.refresh_token, zalo_app_secret=zalo.app_secret,
                      zalo_api_base=zalo.url, zalo_oauth_base=zalo.url)
    if graph is not None:
        values.update(messenger_app_secret=MESSENGER_APP_SECRET,
                      messenger_verify_token=MESSENGER_VERIFY_TOKEN,
                      messenger_page_token=graph.page_token, graph_api_base=graph.url,
                      graph_api_version=graph.version)
    return values
