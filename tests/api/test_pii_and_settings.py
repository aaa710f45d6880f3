"""Log masking of phone/ID numbers, settings secrets, payload mapping and identity sealing."""

from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

from api.identity import UserIdentity
from api.pii import PiiMaskingFilter, install_pii_filter, mask_pii
from api.services.payloads import from_rasa, parse_payload
from api.settings import ApiSettings


@pytest.mark.parametrize(("raw", "masked"), [
    ("sđt 0912345678 nhé", "sđt [PHONE] nhé"),
    ("gọi +84912345678", "gọi [PHONE]"),
    ("gọi 84 912 345 678", "gọi [PHONE]"),
    ("0912.345.678", "[PHONE]"),
    ("CCCD 001203004567", "CCCD [CCCD]"),
    ("CMND 123456789", "CMND [CMND]"),
    ("tổng đài 1022, mã 1.001193", "tổng đài 1022, mã 1.001193"),
    ("số CCCD 001 203 004 567 ạ", "số CCCD [CCCD] ạ"),
    ("căn cước 001.203.004.567", "căn cước [CCCD]"),
    ("sđt cũ 01681234567", "sđt cũ [PHONE]"),
    ("số cũ 0168 123 4567", "số cũ [PHONE]"),
    ("+84 168 123 4567", "[PHONE]"),
    ("gọi (091) 234-5678 nhé", "gọi [PHONE] nhé"),
    ("(024) 3825 1234", "[PHONE]"),
    ("CMND 123 456 789", "CMND [CMND]"),
    ("hai số 0912 345 678 và 0987 654 321", "hai số [PHONE] và [PHONE]"),
    ("lệ phí 150.000.000 đồng, ngày 12/03/2026", "lệ phí 150.000.000 đồng, ngày 12/03/2026"),
    ("hồ sơ 000.00.19.H12-250101-0001", "hồ sơ 000.00.19.H12-250101-0001"),
])
def test_mask_pii(raw: str, masked: str) -> None:
    assert mask_pii(raw) == masked


def test_filter_masks_args_and_exceptions(caplog: pytest.LogCaptureFixture) -> None:
    record = logging.LogRecord("api.x", logging.INFO, __file__, 1, "user %s cccd %s", 
                               ("0987654321", "001203004567"), None)
    PiiMaskingFilter().filter(record)
    assert record.getMessage() == "user [PHONE] cccd [CCCD]"


def test_installed_filter_masks_every_logger(caplog: pytest.LogCaptureFixture) -> None:
    install_pii_filter()
    with caplog.at_level(logging.INFO):
        logging.getLogger("some.library").info("citizen phone %s", "0912345678")
    assert "0912345678" not in caplog.text and "[PHONE]" in caplog.text


@pytest.mark.parametrize("bad", ["changeme", "secret", "short"])
def test_placeholder_secrets_rejected(bad: str) -> None:
    with pytest.raises(ValidationError):
        ApiSettings(admin_token=bad)
    with pytest.raises(ValidationError):
        ApiSettings(session_secret=bad)


def test_settings_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_PORT", "8123")
    monkeypatch.setenv("API_RATE_LIMIT_PER_MINUTE", "5")
    s = ApiSettings()
    assert s.port == 8123 and s.rate_limit_per_minute == 5 and s.admin_token is None


def test_dev_salt_generated_once(tmp_path) -> None:
    s = ApiSettings(salt_file=tmp_path / "salt")
    first = s.resolve_salt()
    assert len(first) == 64 and s.resolve_salt() == first
    assert (tmp_path / "salt").stat().st_mode & 0o077 == 0


def test_identity_hash_and_seal() -> None:
    ident = UserIdentity(b"x" * 32)
    h = ident.hash_user("zalo", "123")
    assert h == ident.hash_user("zalo", "123") != ident.hash_user("messenger", "123")
    assert "123" not in h
    sealed = ident.seal("0912345678")
    assert "0912345678" not in sealed and ident.open(sealed) == "0912345678"
    assert UserIdentity(b"y" * 32).open(sealed) is None


def test_parse_payload() -> None:
    p = parse_payload('/choose_procedure{"procedure_id":"dang-ky-khai-sinh"}')
    assert p is not None and p.intent == "choose_procedure"
    assert p.entities == {"procedure_id": "dang-ky-khai-sinh"}
    assert parse_payload("/ask_fee").intent == "ask_fee"  # type: ignore[union-attr]
    assert parse_payload("lệ phí") is None
    assert parse_payload("/x{broken") is None


def test_from_rasa_maps_buttons_images_and_custom() -> None:
    msgs = from_rasa([
        {"recipient_id": "c", "text": "Chào", "buttons": [{"title": "A", "payload": "/a"}]},
        {"recipient_id": "c", "custom": {"citation": {"label": "Nguồn: X", "url": "https://x"},
                                         "procedure": {"id": "p"},
                                         "candidates": [{"id": "q", "name": "Q",
                                                         "payload": "/choose_procedure"}]}},
        {"recipient_id": "c", "image": "https://img"},
        {"recipient_id": "c", "custom": {"text": "Từ custom", "quick_replies": [
            {"title": "Lệ phí", "payload": "/ask_fee"}]}},
        {"recipient_id": "c"},
    ])
    assert [m.text for m in msgs] == ["Chào", "", "Từ custom"]
    assert msgs[0].citation == {"label": "Nguồn: X", "url": "https://x"}
    assert msgs[0].procedure == "p"
    assert msgs[0].buttons == [{"title": "A", "payload": "/a"},
                               {"title": "Q", "payload": "/choose_procedure"}]
    assert msgs[1].buttons == [{"title": "Xem hình ảnh", "url": "https://img"}]
    assert msgs[2].buttons == [{"title": "Lệ phí", "payload": "/ask_fee"}]


def test_unsafe_urls_from_rasa_are_dropped() -> None:
    msgs = from_rasa([
        {"recipient_id": "c", "text": "x", "buttons": [
            {"title": "bad", "url": "javascript:alert(1)"},
            {"title": "ok", "url": "https://dichvucong.gov.vn/"},
            {"title": "call", "url": "tel:1022"}],
         "image": "data:text/html,<script>"},
        {"recipient_id": "c", "custom": {"citation": {"label": "Nguồn: X",
                                                      "url": "javascript:x"}}},
    ])
    assert [b["title"] for b in msgs[0].buttons] == ["ok", "call"]
    assert msgs[0].citation == {"label": "Nguồn: X", "url": None}


def test_filter_keeps_uvicorn_access_records_formattable() -> None:
    from uvicorn.logging import AccessFormatter

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/v1/search?q=0912345678", "1.1", 200),
                               None)
    PiiMaskingFilter().filter(record)
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(record)
    assert line == '127.0.0.1:5000 - "GET /v1/search?q=[PHONE] HTTP/1.1" 200 OK'


def test_filter_masks_numbers_passed_as_ints_and_objects() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "id %s data %s",
                               (1203004567, {"phone": "0912345678"}), None)
    PiiMaskingFilter().filter(record)
    assert "1203004567" not in record.getMessage()
    assert "0912345678" not in record.getMessage()
    bad = logging.LogRecord("x", logging.INFO, __file__, 1, "count %d", (123456789,), None)
    PiiMaskingFilter().filter(bad)
    assert bad.getMessage() == "count [CMND]"


def test_production_refuses_to_start_without_its_secrets() -> None:
    secrets = {"hash_salt": "salt-0123456789abcdef", "session_secret": "session-0123456789abcdef",
               "service_token": "service-0123456789abcdef"}
    with pytest.raises(ValidationError,
                       match="API_HASH_SALT, API_SESSION_SECRET, API_SERVICE_TOKEN"):
        ApiSettings(environment="production")
    for missing in secrets:
        given = {k: v for k, v in secrets.items() if k != missing}
        with pytest.raises(ValidationError, match=f"needs API_{missing.upper()} "):
            ApiSettings(environment="production", **given)
    ok = ApiSettings(environment="production", **secrets)
    assert ok.resolve_salt() == b"salt-0123456789abcdef"


def test_cors_is_closed_by_default_and_never_open_in_production() -> None:
    assert ApiSettings().cors_origins == []
    with pytest.raises(ValidationError, match="not '\\*'"):
        ApiSettings(environment="production", hash_salt="salt-0123456789abcdef",
                    session_secret="session-0123456789abcdef",
                    service_token="service-0123456789abcdef", cors_origins=["*"])


def test_only_the_configured_origins_may_embed_the_widget(tmp_path) -> None:
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api_fakes import FakeSearcher, make_settings

    portal = "https://dichvucong.langson.gov.vn"
    settings = make_settings(tmp_path, rasa_enabled=False, cors_origins=[portal])
    preflight = {"Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"}
    with TestClient(create_app(settings, searcher_loader=lambda _d: FakeSearcher())) as client:
        ok = client.options("/v1/chat/web", headers={"Origin": portal, **preflight})
        other = client.options("/v1/chat/web", headers={"Origin": "https://evil.example",
                                                        **preflight})
    assert ok.headers.get("access-control-allow-origin") == portal
    assert "access-control-allow-origin" not in other.headers
