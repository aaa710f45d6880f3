"""Zalo sender against the fake Zalo API: token refresh and rotation, retries, long text."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.channels.outgoing import split_text
from api.resilience import RetryPolicy
from api.channels.zalo_client import ZaloClient, format_zalo_text
from api.channels.zalo_tokens import ZaloTokens
from fakes.fixtures import zalo_server  # noqa: F401
from fakes.zalo import FakeZalo

USER = "8470091123456789012"


def make_client(server: FakeZalo, tmp_path: Path, *, access: str | None = None,
                refresh: str | None = None, timeout: float = 2.0,
                attempts: int = 3) -> ZaloClient:
    http = httpx.Client(timeout=timeout)
    policy = RetryPolicy(attempts=attempts, backoff=0.01)
    tokens = ZaloTokens(app_id=server.app_id, app_secret=server.app_secret,
                        access_token=access if access is not None else server.access_token,
                        refresh_token=refresh or server.refresh_token, oauth_base=server.url,
                        store=tmp_path / "zalo-tokens.json", client=http, policy=policy)
    return ZaloClient(api_base=server.url, tokens=tokens, client=http, policy=policy)


@pytest.fixture
def zalo(zalo_server: FakeZalo, tmp_path: Path) -> Iterator[ZaloClient]:  # noqa: F811
    client = make_client(zalo_server, tmp_path)
    yield client
    client.close()


def paths(server: FakeZalo) -> list[str]:
    return [r.path for r in server.requests]


def test_expired_token_is_refreshed_and_the_message_resent(
        zalo: ZaloClient, zalo_server: FakeZalo, tmp_path: Path) -> None:  # noqa: F811
    zalo_server.expire_access_token()
    assert zalo.send(address=USER, text="Xin chào Anh/Chị", buttons=[]) is True
    assert paths(zalo_server) == ["/v3.0/oa/message/cs", "/v4/oa/access_token",
                                  "/v3.0/oa/message/cs"]
    refresh = zalo_server.requests[1]
    assert refresh.headers["secret_key"] == "zalo-app-secret-for-tests"
    assert refresh.headers["content-type"] == "application/x-www-form-urlencoded"
    assert refresh.form == {"refresh_token": "zalo-refresh-token-1",
                            "app_id": "4291763606161179100", "grant_type": "refresh_token"}
    assert zalo_server.requests[2].headers["access_token"] == "zalo-access-token-2"
    assert zalo_server.problems == []
    # the rotated (single-use) refresh token is kept, on disk too, without the old one
    assert zalo.tokens.pair.refresh_token == "zalo-refresh-token-2"
    saved = json.loads((tmp_path / "zalo-tokens.json").read_text())
    assert saved["refresh_token"] == "zalo-refresh-token-2"
    assert (tmp_path / "zalo-tokens.json").stat().st_mode & 0o777 == 0o600


def test_second_expiry_uses_the_rotated_refresh_token(
        zalo: ZaloClient, zalo_server: FakeZalo) -> None:  # noqa: F811
    zalo_server.expire_access_token()
    assert zalo.send(address=USER, text="một", buttons=[])
    zalo_server.expire_access_token()
    assert zalo.send(address=USER, text="hai", buttons=[])
    assert zalo_server.refreshes == 2  # the first refresh token would have been refused
    assert zalo_server.texts == ["một", "hai"]


def test_restart_reuses_the_stored_tokens(
        zalo_server: FakeZalo, tmp_path: Path) -> None:  # noqa: F811
    first = make_client(zalo_server, tmp_path, refresh="zalo-refresh-token-1")
    zalo_server.expire_access_token()
    assert first.send(address=USER, text="trước khi khởi động lại", buttons=[])
    first.close()
    # a restart with the same (now spent) settings token picks the rotated pair from disk
    again = make_client(zalo_server, tmp_path, access="stale-access-token-123",
                        refresh="zalo-refresh-token-1")
    assert again.tokens.access_token == "zalo-access-token-2"
    assert again.send(address=USER, text="sau khi khởi động lại", buttons=[])
    assert zalo_server.refreshes == 1
    again.close()


def test_refresh_refused_means_not_delivered(zalo_server: FakeZalo, tmp_path: Path,  # noqa: F811
                                             caplog: pytest.LogCaptureFixture) -> None:
    client = make_client(zalo_server, tmp_path, refresh="revoked-refresh-token")
    zalo_server.expire_access_token()
    with caplog.at_level(logging.ERROR):
        assert client.send(address=USER, text="xin chào", buttons=[]) is False
    assert any("zalo.token.refresh_failed" in r.getMessage() for r in caplog.records)
    assert paths(zalo_server) == ["/v3.0/oa/message/cs", "/v4/oa/access_token"]
    client.close()


def test_retries_after_a_500(zalo: ZaloClient, zalo_server: FakeZalo) -> None:  # noqa: F811
    zalo_server.fail_next(2, status=500)
    assert zalo.send(address=USER, text="thử lại", buttons=[]) is True
    assert len(zalo_server.sent) == 3 and zalo_server.texts[-1] == "thử lại"


def test_gives_up_after_the_attempts(zalo: ZaloClient, zalo_server: FakeZalo) -> None:  # noqa: F811
    zalo_server.fail_next(5, status=503)
    assert zalo.send(address=USER, text="không gửi được", buttons=[]) is False
    assert len(zalo_server.sent) == 3


def test_retries_after_a_timeout(zalo_server: FakeZalo, tmp_path: Path) -> None:  # noqa: F811
    client = make_client(zalo_server, tmp_path, timeout=0.3)
    zalo_server.fail_next(1, status=200, body={"error": 0}, delay=0.8)
    assert client.send(address=USER, text="sau khi hết giờ chờ", buttons=[]) is True
    assert len(zalo_server.sent) == 2
    client.close()


def test_long_text_is_sent_in_pieces_under_the_limit(zalo: ZaloClient,
                                                     zalo_server: FakeZalo) -> None:  # noqa: F811
    sentence = "Hồ sơ gồm tờ khai đăng ký khai sinh theo mẫu và giấy chứng sinh. "
    text = sentence * 70  # about 4,600 characters
    assert zalo.send(address=USER, text=text, buttons=[]) is True
    pieces = zalo_server.texts
    assert len(pieces) == 3 and all(len(p) <= 2000 for p in pieces)
    assert all(p.endswith(".") for p in pieces)  # cut at sentence ends
    assert " ".join(pieces) == text.strip()
    assert zalo_server.problems == []


def test_buttons_become_numbered_options_and_links() -> None:
    text = format_zalo_text("Lệ phí đăng ký khai sinh: miễn phí.", [
        {"title": "Thời hạn", "payload": "/ask_processing_time"},
        {"title": "Nơi nộp", "payload": "/ask_place"},
        {"title": "Gọi tổng đài 1022", "url": "tel:1022"},
        {"title": "Nộp trực tuyến", "url": "https://dichvucong.gov.vn/"}])
    assert text == ("Lệ phí đăng ký khai sinh: miễn phí.\n\n"
                    "Anh/Chị có thể trả lời bằng số thứ tự:\n1. Thời hạn\n2. Nơi nộp\n\n"
                    "- Gọi tổng đài 1022\n- Nộp trực tuyến: https://dichvucong.gov.vn/")


def test_split_text_prefers_lines_then_words_then_hard_cut() -> None:
    lines = "\n".join(f"- Giấy tờ số {i}" for i in range(300))
    for piece in split_text(lines, 200):
        assert len(piece) <= 200 and piece.startswith("- Giấy tờ số")
    words = ("khai sinh " * 50).strip()
    assert all(len(p) <= 30 and not p.startswith(" ") for p in split_text(words, 30))
    assert split_text("x" * 45, 20) == ["x" * 20, "x" * 20, "x" * 5]
    assert split_text("ngắn", 2000) == ["ngắn"]


def test_token_known_to_expire_soon_is_refreshed_before_sending(
        zalo: ZaloClient, zalo_server: FakeZalo) -> None:  # noqa: F811
    zalo_server.expires_in = "30"  # less than the 60 s safety margin
    zalo_server.expire_access_token()
    assert zalo.send(address=USER, text="một", buttons=[])  # -216, refresh, resend
    zalo_server.expire_access_token()  # the fake would refuse the current token now
    assert zalo.send(address=USER, text="hai", buttons=[])
    # the second send refreshed first: no rejected attempt before it
    assert paths(zalo_server)[3:] == ["/v4/oa/access_token", "/v3.0/oa/message/cs"]
    assert zalo_server.texts == ["một", "hai"]
