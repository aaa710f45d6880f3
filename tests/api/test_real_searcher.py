"""The API with the real ``indexer.search.Searcher`` (hashing embedder ``fake:64``, so no model
download): lifespan loading, answers, a missing index, and admin reload picking one up."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api_fakes import ADMIN_TOKEN, FIXTURE_KNOWLEDGE, SERVICE_HEADERS, FakeRasa, make_settings

build = pytest.importorskip("indexer.build")
embedding = pytest.importorskip("indexer.embedding")


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INDEXER_MODEL_DIR", "fake:64")


def build_index(index_dir: Path) -> None:
    build.build_index(FIXTURE_KNOWLEDGE, index_dir, embedding.HashingEmbedder(64),
                      progress=False)


def test_answers_with_the_real_searcher(tmp_path: Path, fake_model: None) -> None:
    build_index(tmp_path / "index")
    app = create_app(make_settings(tmp_path), rasa_transport=FakeRasa("down").transport())
    with TestClient(app, headers=SERVICE_HEADERS) as client:
        assert client.get("/readyz").json()["checks"]["index"] is True
        a = client.post("/v1/answer", json={"text": "làm giấy khai sinh cần giấy tờ gì"}).json()
        assert a["status"] == "answer", a
        assert a["procedure"]["id"] == "dang-ky-khai-sinh"
        assert a["aspect"] == "documents"
        assert a["text"].endswith(a["citation"]["label"])
        hits = client.get("/v1/search", params={"q": "đăng ký kết hôn"}).json()["hits"]
        assert hits[0]["procedure_id"] == "dang-ky-ket-hon"


def test_missing_index_then_admin_reload(tmp_path: Path, fake_model: None) -> None:
    app = create_app(make_settings(tmp_path), rasa_transport=FakeRasa("down").transport())
    with TestClient(app, headers=SERVICE_HEADERS) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503 and "index" in ready.json()["not_ready"]
        r = client.post("/v1/chat/web", json={"session_id": "no-index-session-000001", "text": "khai sinh"})
        assert "tạm thời gián đoạn" in r.json()["messages"][0]["text"]
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        assert client.post("/v1/admin/reload", headers=headers).status_code == 503
        build_index(tmp_path / "index")
        r = client.post("/v1/admin/reload", headers=headers)
        assert r.status_code == 200 and r.json()["reloaded"] is True
        assert client.get("/readyz").json()["checks"]["index"] is True
