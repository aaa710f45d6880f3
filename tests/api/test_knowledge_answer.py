"""``POST /v1/answer``: aspects, carry-over, switch, clarify, abstain, abolished, missing fields."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from api_fakes import SERVICE_HEADERS, ask_answer

ask = ask_answer


def test_documents_answer_has_citation_and_other_aspects(client: TestClient) -> None:
    a = ask(client, text="làm giấy khai sinh cần giấy tờ gì")
    assert a["status"] == "answer"
    assert a["aspect"] == "documents"
    assert a["procedure"] == {"id": "dang-ky-khai-sinh", "code": "1.001193",
                              "name": "Đăng ký khai sinh"}
    assert "Tờ khai đăng ký khai sinh theo mẫu (1 bản, bản chính)" in a["text"]
    assert a["text"].endswith("Nguồn: Đăng ký khai sinh (mã 1.001193); căn cứ: 60/2014/QH13, "
                              "123/2015/NĐ-CP")
    assert a["citation"]["url"].startswith("https://dichvucong.gov.vn/")
    payloads = [q["payload"] for q in a["quick_replies"]]
    assert payloads == ["/ask_processing_time", "/ask_fee", "/ask_place", "/ask_online"]
    assert [q["title"] for q in a["quick_replies"]] == ["Thời hạn", "Lệ phí", "Nộp ở đâu",
                                                         "Nộp trực tuyến"]


def test_missing_time_says_not_available_and_hotline(client: TestClient) -> None:
    a = ask(client, text="", procedure_id="dang-ky-khai-sinh", aspect="time")
    assert a["status"] == "answer"
    assert "Hiện chưa có thông tin về thời hạn giải quyết" in a["text"]
    assert "1022" in a["text"]
    body = a["text"].split("\nNguồn:")[0]
    assert re.findall(r"\d+", body) == ["1022"]  # no invented time limit


def test_time_and_fee_from_catalogue(client: TestClient) -> None:
    t = ask(client, text="", procedure_id="dang-ky-ket-hon", aspect="time")
    assert "- Nộp trực tiếp: 5 ngày làm việc (tối đa, khi cần xác minh" in t["text"]
    f = ask(client, text="", procedure_id="dang-ky-ket-hon", aspect="fee")
    assert "- Nộp trực tiếp: miễn phí" in f["text"]
    k = ask(client, text="", procedure_id="dang-ky-khai-tu", aspect="fee")
    assert "Mức lệ phí do Hội đồng nhân dân cấp tỉnh quyết định" in k["text"]
    assert "Miễn, giảm: miễn lệ phí đối với trường hợp đăng ký khai tử đúng hạn" in k["text"]


def test_partial_missing_fee_per_channel(client: TestClient) -> None:
    a = ask(client, text="", procedure_id="dang-ky-khai-tu", aspect="time")
    assert "Hiện chưa có thông tin về thời hạn giải quyết của thủ tục Đăng ký khai tử" in a["text"]


def test_online_without_online_channel_does_not_claim_online(client: TestClient) -> None:
    a = ask(client, text="", procedure_id="dang-ky-ket-hon", aspect="online")
    assert "chưa ghi nhận hình thức nộp trực tuyến" in a["text"]
    b = ask(client, text="", procedure_id="dang-ky-khai-sinh", aspect="online")
    assert "có thể nộp trực tuyến" in b["text"]
    assert "Danh mục chưa có đường dẫn" in b["text"]


def test_follow_up_reuses_procedure(client: TestClient) -> None:
    a = ask(client, text="lệ phí bao nhiêu", procedure_id="dang-ky-ket-hon")
    assert a["procedure"]["id"] == "dang-ky-ket-hon"
    assert a["aspect"] == "fee"


def test_naming_another_procedure_switches(client: TestClient) -> None:
    a = ask(client, text="còn đăng ký khai tử thì nộp ở đâu", procedure_id="dang-ky-ket-hon")
    assert a["procedure"]["id"] == "dang-ky-khai-tu"
    assert a["aspect"] == "place"
    assert "Ủy ban nhân dân cấp xã" in a["text"]


def test_close_candidates_ask_to_clarify(client: TestClient) -> None:
    a = ask(client, text="khai")
    assert a["status"] == "clarify"
    assert a["text"].startswith("Anh/Chị hỏi về thủ tục nào?")
    ids = [c["id"] for c in a["candidates"]]
    assert set(ids) == {"dang-ky-khai-sinh", "dang-ky-khai-tu"}
    payload = a["candidates"][0]["payload"]
    assert payload.startswith("/choose_procedure{")
    assert json.loads(payload[len("/choose_procedure"):]) == {"procedure_id": ids[0]}


def test_unknown_question_abstains_with_hotline(client: TestClient) -> None:
    a = ask(client, text="thời tiết hôm nay thế nào")
    assert a["status"] == "abstain"
    assert "chưa có thông tin" in a["text"]
    assert "1022" in a["text"]
    assert a["procedure"] is None and a["citation"] is None


def test_abolished_procedure_reports_date_and_replacement(client: TestClient) -> None:
    a = ask(client, text="kiểm thử bãi bỏ")
    assert a["status"] == "abolished"
    assert "đã bị bãi bỏ từ ngày 01/07/2025" in a["text"]
    assert "Thủ tục thay thế: Đăng ký khai sinh" in a["text"]
    assert a["candidates"][0]["id"] == "dang-ky-khai-sinh"


def test_unknown_procedure_id_falls_back_to_search(client: TestClient) -> None:
    a = ask(client, text="đăng ký kết hôn cần gì", procedure_id="khong-ton-tai")
    assert a["procedure"]["id"] == "dang-ky-ket-hon"


def test_answer_without_index_is_polite(tmp_path) -> None:
    from api.main import create_app
    from api_fakes import make_settings

    app = create_app(make_settings(tmp_path), searcher_loader=lambda _d: None)
    with TestClient(app, headers=SERVICE_HEADERS) as c:
        a = c.post("/v1/answer", json={"text": "khai sinh"}).json()
        assert a["status"] == "abstain"
        assert "tạm thời gián đoạn" in a["text"] and "1022" in a["text"]
        assert c.get("/v1/search", params={"q": "khai sinh"}).status_code == 503
        ready = c.get("/readyz")
        assert ready.status_code == 503
        assert "index" in ready.json()["not_ready"]


def test_search_endpoint_ranks_hits(client: TestClient) -> None:
    r = client.get("/v1/search", params={"q": "khai sinh", "top_k": 2})
    assert r.status_code == 200
    hits = r.json()["hits"]
    assert hits[0]["procedure_id"] == "dang-ky-khai-sinh"
    assert len(hits) <= 2

