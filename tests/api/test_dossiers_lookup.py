"""Dossier lookup through HTTP over the local table: each status, every error, lock-out,
agent lookup, and the audit log (no phone in clear anywhere)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.dossiers.models import DossierLookupAudit, DossierRow
from api.dossiers.record import DossierIn
from api.dossiers.sources.sql import upsert_dossiers
from api.main import create_app
from api.settings import ApiSettings
from api_fakes import SERVICE_HEADERS, FakeSearcher, add_agent, make_settings
from fakes.fake_upstream_dossiers import ID_NUMBER, PHONE, code, sample_rows

URL = "/v1/dossiers/lookup"


def seed(client: TestClient, settings: ApiSettings) -> None:
    key = settings.resolve_salt()
    records = [DossierIn.model_validate(r).to_record(key) for r in sample_rows().values()]
    with client.app.state.api.session_factory() as session:  # type: ignore[attr-defined]
        upsert_dossiers(session, records=records)
        session.commit()


def make_client(tmp_path: Path, **overrides: object) -> tuple[TestClient, ApiSettings]:
    settings = make_settings(tmp_path, rasa_enabled=False, **overrides)
    app = create_app(settings, searcher_loader=lambda _d: FakeSearcher())
    return TestClient(app, headers=SERVICE_HEADERS), settings


@pytest.fixture
def dossier_client(tmp_path: Path) -> Iterator[TestClient]:
    client, settings = make_client(tmp_path)
    with client:
        seed(client, settings)
        yield client


def ask(client: TestClient, n: int | str, factor: str | None = "5678",
        sender: str = "citizen-1") -> tuple[int, dict]:
    body = {"code": code(n) if isinstance(n, int) else n, "factor": factor,
            "sender_id": sender, "channel": "web"}
    r = client.post(URL, json=body)
    return r.status_code, r.json()


def audit_rows(client: TestClient) -> list[DossierLookupAudit]:
    with client.app.state.api.session_factory() as s:  # type: ignore[attr-defined]
        return list(s.scalars(select(DossierLookupAudit).order_by(DossierLookupAudit.id)))


# -- statuses ---------------------------------------------------------------------------

def test_processing_says_where_and_when(dossier_client: TestClient) -> None:
    status, body = ask(dossier_client, 1)
    assert status == 200
    d = body["dossier"]
    assert d["status"] == "processing" and not d["overdue"] and not d["late"]
    assert d["applicant"] == "Nguyễn V*** A***"
    assert d["procedure"] == {"id": "dang-ky-khai-sinh", "code": "1.001193",
                              "name": "Đăng ký khai sinh"}
    assert body["text"].startswith(f"Hồ sơ {code(1)} (Đăng ký khai sinh) đang được xử lý tại "
                                   "Bộ phận Một cửa UBND phường An Bình, hẹn trả ngày ")
    assert "quá hạn" not in body["text"]


def test_procedure_unknown_to_the_catalogue_keeps_the_record_name(tmp_path: Path) -> None:
    client, settings = make_client(tmp_path)
    with client:
        row = {**sample_rows()[code(1)], "procedure_id": "thu-tuc-tinh-rieng",
               "procedure_code": None, "procedure_name": "Thủ tục riêng của tỉnh"}
        with client.app.state.api.session_factory() as s:  # type: ignore[attr-defined]
            upsert_dossiers(s, records=[DossierIn.model_validate(row).to_record(
                settings.resolve_salt())])
            s.commit()
        status, body = ask(client, 1)
    assert status == 200
    assert body["dossier"]["procedure"] == {"id": "thu-tuc-tinh-rieng", "code": None,
                                            "name": "Thủ tục riêng của tỉnh"}


def test_only_masked_fields_are_revealed(dossier_client: TestClient) -> None:
    _, body = ask(dossier_client, 1)
    flat = repr(body)
    assert "Nguyễn Văn An" not in flat
    for secret in (PHONE, PHONE[-4:], ID_NUMBER, ID_NUMBER[-4:]):
        assert secret not in flat
    assert set(body["dossier"]) == {
        "code", "procedure", "applicant", "status", "status_label", "reason", "overdue", "late",
        "received_at", "due_at", "resolved_at", "agency", "apology_issued", "new_appointment",
        "delivery", "delivery_label"}


def test_code_in_lowercase_with_spaces_is_accepted(dossier_client: TestClient) -> None:
    status, body = ask(dossier_client, " 000.00.19.h12 - 251101 - 0001 ")
    assert status == 200 and body["dossier"]["code"] == code(1)


def test_received_and_waiting_for_documents(dossier_client: TestClient) -> None:
    _, received = ask(dossier_client, 2)
    assert received["dossier"]["status"] == "received"
    assert "đang được xử lý tại" in received["text"]
    _, waiting = ask(dossier_client, 3)
    assert waiting["dossier"]["status"] == "waiting_additional"
    assert "chờ Anh/Chị bổ sung giấy tờ" in waiting["text"]
    assert "Bổ sung bản sao giấy chứng nhận kết hôn." in waiting["text"]


def test_resolved_on_time_says_how_to_collect(dossier_client: TestClient) -> None:
    _, counter = ask(dossier_client, 4)
    assert counter["dossier"]["status"] == "resolved_on_time"
    assert "đúng hẹn" in counter["text"] and "Bộ phận Một cửa" in counter["text"]
    assert counter["dossier"]["delivery"] == "counter"
    _, post = ask(dossier_client, 5)
    assert post["dossier"]["delivery"] == "post"
    assert "bưu chính công ích (BCCI)" in post["text"]


def test_resolved_late_with_apology_and_new_date(dossier_client: TestClient) -> None:
    _, body = ask(dossier_client, 6)
    d = body["dossier"]
    assert d["status"] == "resolved_late" and d["late"] and d["apology_issued"]
    day = "/".join(reversed(d["new_appointment"].split("-")))
    assert "trễ so với ngày hẹn" in body["text"]
    assert f"đã gửi thư xin lỗi Anh/Chị và hẹn trả kết quả mới vào ngày {day}" in body["text"]
    assert "tổng đài 1022" in body["text"] and "BCCI" in body["text"]


def test_resolved_late_without_apology(dossier_client: TestClient) -> None:
    _, body = ask(dossier_client, 7)
    assert "trễ so với ngày hẹn" in body["text"] and "thư xin lỗi" not in body["text"]
    assert "tổng đài 1022" in body["text"]


def test_overdue_in_progress(dossier_client: TestClient) -> None:
    _, with_apology = ask(dossier_client, 8)
    assert with_apology["dossier"]["overdue"] and with_apology["dossier"]["late"]
    assert "đã quá hạn" in with_apology["text"] and "thư xin lỗi" in with_apology["text"]
    assert "tổng đài 1022" in with_apology["text"]
    _, plain = ask(dossier_client, 9)
    assert plain["dossier"]["overdue"] and "thư xin lỗi" not in plain["text"]


def test_returned_refused_withdrawn(dossier_client: TestClient) -> None:
    _, returned = ask(dossier_client, 10)
    assert "đã được trả lại" in returned["text"]
    assert "Lý do: Hồ sơ không thuộc thẩm quyền" in returned["text"]
    _, refused = ask(dossier_client, 11)
    assert "bị từ chối giải quyết" in refused["text"]
    assert refused["dossier"]["reason"] == "Không đủ điều kiện theo quy định."
    _, withdrawn = ask(dossier_client, 12)
    assert withdrawn["dossier"]["status"] == "withdrawn" and "đã được rút" in withdrawn["text"]


# -- errors -----------------------------------------------------------------------------

def test_invalid_code_format(dossier_client: TestClient) -> None:
    for bad in ("12345", "000.00.19.H12-251399-0001", "0912345678"):
        status, body = ask(dossier_client, bad)
        assert status == 422 and body["error"]["code"] == "invalid_code"
        assert "000.00.19.H12-250101-0001" in body["error"]["text"]
    assert [a.code for a in audit_rows(dossier_client)] == [None, None, None]


def test_unknown_code_and_wrong_factor_get_the_same_answer(dossier_client: TestClient) -> None:
    unknown = ask(dossier_client, 99, sender="citizen-a")
    wrong = ask(dossier_client, 1, factor="0000", sender="citizen-b")
    assert unknown == wrong
    status, body = unknown
    assert status == 403 and body["error"]["code"] == "not_verified"
    assert body["error"]["remaining_attempts"] == 4
    assert "Mã hồ sơ hoặc 4 số cuối số điện thoại chưa khớp" in body["error"]["text"]
    assert "000.00.19.H12-251101-0099" not in body["error"]["text"]
    # both were counted; the audit log keeps what really happened
    assert [a.outcome for a in audit_rows(dossier_client)] == ["unknown_code", "wrong_factor"]


def test_unknown_codes_spend_the_senders_budget(dossier_client: TestClient) -> None:
    for n in range(90, 94):
        assert ask(dossier_client, n)[0] == 403
    status, body = ask(dossier_client, 94)
    assert status == 429 and body["error"]["code"] == "locked_out"
    assert ask(dossier_client, 1)[0] == 429  # even the right code and factor


def test_missing_factor_is_asked_for_not_counted(dossier_client: TestClient) -> None:
    for _ in range(6):
        status, body = ask(dossier_client, 1, factor=None)
        assert status == 422 and body["error"]["code"] == "factor_required"
    assert "4 số cuối số điện thoại" in body["error"]["text"]
    assert ask(dossier_client, 1)[0] == 200


def test_wrong_factor_three_times_counts_down(dossier_client: TestClient) -> None:
    remaining = []
    for _ in range(3):
        status, body = ask(dossier_client, 1, factor="0000")
        assert status == 403 and body["error"]["code"] == "not_verified"
        remaining.append(body["error"]["remaining_attempts"])
    assert remaining == [4, 3, 2]
    assert "(còn 2 lần thử)" in body["error"]["text"]
    assert ask(dossier_client, 1)[0] == 200  # the right factor still works


def test_full_phone_number_as_factor_is_accepted(dossier_client: TestClient) -> None:
    assert ask(dossier_client, 1, factor="0912 345 678")[0] == 200


def test_lockout_after_five_failures(dossier_client: TestClient) -> None:
    for _ in range(4):
        assert ask(dossier_client, 1, factor="1111")[0] == 403
    status, body = ask(dossier_client, 1, factor="1111")
    assert status == 429 and body["error"]["code"] == "locked_out"
    assert "vui lòng gọi tổng đài 1022" in body["error"]["text"]
    # locked: even the right factor on another code gets nothing
    status, body = ask(dossier_client, 4, factor="5678")
    assert status == 429 and "dossier" not in body
    # another sender is not affected on another code, but the code itself is spent for
    # everyone: rotating sender ids does not buy more guesses
    assert ask(dossier_client, 4, sender="citizen-2")[0] == 200
    assert ask(dossier_client, 1, sender="citizen-3")[0] == 429
    outcomes = [a.outcome for a in audit_rows(dossier_client)]
    assert outcomes == ["wrong_factor"] * 5 + ["locked_out", "found", "locked_out"]


def test_rotating_senders_and_addresses_get_five_guesses_per_code(
        dossier_client: TestClient) -> None:
    answers = []
    for i in range(12):
        body = {"code": code(2), "factor": f"{1000 + i}", "sender_id": f"attacker-{i}",
                "channel": "web", "client": f"{i:04x}"}
        answers.append(dossier_client.post(URL, json=body).status_code)
    assert answers == [403] * 4 + [429] * 8
    assert ask(dossier_client, 2, sender="owner")[0] == 429  # the right factor too, for now


def test_one_address_is_limited_across_codes_and_senders(tmp_path: Path) -> None:
    client, settings = make_client(tmp_path, dossier_address_max_failures=3)
    with client:
        seed(client, settings)
        statuses = [client.post(URL, json={"code": code(60 + i), "factor": "1111",
                                           "sender_id": f"s-{i}", "client": "abcd"}).status_code
                    for i in range(4)]
        assert statuses == [403, 403, 429, 429]
        other = {"code": code(1), "factor": "5678", "sender_id": "s-x", "client": "ef01"}
        assert client.post(URL, json=other).status_code == 200


def test_no_factor_on_file_answers_like_a_wrong_factor(dossier_client: TestClient) -> None:
    status, body = ask(dossier_client, 13)
    assert status == 403 and body["error"]["code"] == "not_verified"
    assert "1022" in body["error"]["text"]
    assert audit_rows(dossier_client)[-1].outcome == "factor_unavailable"


def test_id_number_factor_when_configured(tmp_path: Path) -> None:
    client, settings = make_client(tmp_path, dossier_verify_factor="id")
    with client:
        seed(client, settings)
        assert ask(client, 1, factor="5678")[0] == 403
        status, body = ask(client, 13, factor="1234")
        assert status == 200 and body["dossier"]["code"] == code(13)


# -- agents -----------------------------------------------------------------------------

def test_agent_lookup_needs_an_agent_and_is_audited_under_its_login(
        dossier_client: TestClient) -> None:
    lan = add_agent(dossier_client.app, "tongdai.lan")
    body = {"code": code(8), "agent": "someone.else"}  # a body's name is ignored
    assert dossier_client.post("/v1/dossiers/agent-lookup", json=body).status_code == 401
    r = dossier_client.post("/v1/dossiers/agent-lookup", json=body, headers=lan)
    assert r.status_code == 200 and r.json()["dossier"]["overdue"] is True
    unknown = dossier_client.post("/v1/dossiers/agent-lookup", json={"code": code(77)},
                                  headers=lan)
    assert unknown.status_code == 404
    rows = [(a.actor_kind, a.actor, a.code, a.outcome) for a in audit_rows(dossier_client)]
    assert rows == [("agent", "tongdai.lan", code(8), "found"),
                    ("agent", "tongdai.lan", code(77), "unknown_code")]


# -- audit and logs ---------------------------------------------------------------------

def test_audit_has_hashed_sender_and_no_digits(dossier_client: TestClient,
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ask(dossier_client, 1, sender="zalo-user-42")
    ask(dossier_client, 1, factor="9999", sender="zalo-user-42")
    rows = audit_rows(dossier_client)
    assert [r.outcome for r in rows] == ["found", "wrong_factor"]
    assert all(len(r.actor) == 64 and "zalo-user-42" not in r.actor for r in rows)
    assert all(r.code == code(1) and r.source == "sql" and r.channel == "web" for r in rows)
    assert all(r.latency_ms is not None and r.latency_ms >= 0 for r in rows)
    with dossier_client.app.state.api.session_factory() as s:  # type: ignore[attr-defined]
        # every stored value except times (whose microseconds could hold any 4 digits)
        stored = repr([[v for v in vars(r).values() if not hasattr(v, "year")]
                       for r in s.scalars(select(DossierRow))])
    assert "Nguyễn V*** A***" in stored
    for secret in (PHONE, PHONE[-4:], ID_NUMBER, ID_NUMBER[-4:], "Văn An"):
        assert secret not in stored
        assert secret not in caplog.text
