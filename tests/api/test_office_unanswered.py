"""Unanswered questions (abstained, or a "no" on the answer) grouped by the search's query
encoder, and the catalogue drafts the office writes from a group."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from fastapi.testclient import TestClient

from api.db.engine import make_engine, make_session_factory
from api.office.analytics import Range
from api.office.unanswered import group_questions, unanswered_questions
from api_fakes import SERVICE_HEADERS, FakeRasa, FakeSearcher, add_agent, make_settings
from api.main import create_app
from indexer.embedding import HashingEmbedder
from office_seed import NOW, seed
from test_console_auth import session_csrf, sign_in
from test_store_postgres import pg_url  # noqa: F401 - the PostgreSQL database fixture

REPO = Path(__file__).resolve().parents[2]
DAY = NOW.date().isoformat()


class EncodingSearcher(FakeSearcher):
    """The fake searcher with a query encoder, like ``indexer.search.Searcher.embedder``."""

    embedder = HashingEmbedder()


@pytest.fixture
def web(tmp_path: Path, fake_rasa: FakeRasa):  # type: ignore[no-untyped-def]
    app = create_app(make_settings(tmp_path, office_drafts_dir=tmp_path / "drafts",
                                   office_knowledge_dir=REPO / "knowledge"),
                     searcher_loader=lambda _d: EncodingSearcher(),
                     rasa_transport=fake_rasa.transport())
    with TestClient(app, headers=SERVICE_HEADERS) as c:
        c.app.state.api.clock = lambda: NOW
        with c.app.state.api.session_factory() as db:
            seed(db)
        add_agent(c.app, "vp", role="office")
        assert sign_in(c, "vp").status_code == 303
        c.headers["X-CSRF-Token"] = session_csrf(c)
        yield c


def test_abstained_and_not_helpful_questions_are_found(web: TestClient) -> None:
    with web.app.state.api.session_factory() as db:
        found = unanswered_questions(db, Range(NOW.date(), NOW.date()))
        zalo = unanswered_questions(db, Range(NOW.date(), NOW.date(), channel="zalo"))
        web_only = unanswered_questions(db, Range(NOW.date(), NOW.date(), channel="web"))
    assert zalo == [] and sorted(web_only) == sorted(found)
    assert sorted(found) == [("Cách nuôi cá cảnh", "abstained"),
                             ("Cách nuôi cá cảnh?", "abstained"),
                             ("Đăng ký kết hôn mất bao lâu?", "not_helpful")]


@pytest.mark.postgres
def test_the_same_questions_on_postgresql(pg_url: str) -> None:  # noqa: F811
    engine = make_engine(pg_url)
    try:
        with make_session_factory(engine)() as db:
            seed(db, prefix="unanswered-")
            found = unanswered_questions(db, Range(NOW.date(), NOW.date()))
    finally:
        engine.dispose()
    assert ("Cách nuôi cá cảnh?", "abstained") in found
    assert ("Đăng ký kết hôn mất bao lâu?", "not_helpful") in found


def test_similar_wordings_share_a_group_most_frequent_first() -> None:
    questions = [("Cách nuôi cá cảnh?", "abstained")] * 2 + [
        ("cách nuôi cá cảnh", "abstained"), ("Giá vàng hôm nay", "not_helpful")]
    groups = group_questions(questions, HashingEmbedder(), similarity=0.8)
    assert [g.count for g in groups] == [3, 1]
    assert groups[0].representative == "Cách nuôi cá cảnh?"
    exact_only = group_questions(questions, None, similarity=0.8)
    assert len(exact_only) == 3


class Constant:
    def encode_queries(self, texts):  # type: ignore[no-untyped-def]
        return np.ones((len(texts), 4))


def test_the_threshold_decides_what_joins() -> None:
    qs = [("một", "abstained"), ("hai", "abstained")]
    assert len(group_questions(qs, Constant(), similarity=0.99)) == 1


def test_the_route_groups_and_a_group_becomes_a_valid_alias_draft(web: TestClient,
                                                                  tmp_path: Path) -> None:
    body = web.get(f"/v1/office/unanswered?start={DAY}&end={DAY}").json()
    assert body["grouping"] == "embedding"
    top = body["groups"][0]
    assert top["count"] == 2 and top["reasons"] == {"abstained": 2}
    r = web.post("/v1/office/drafts", json={
        "kind": "alias", "procedure": "dang-ky-khai-sinh", "wording": "làm giấy khai sinh cho bé",
        "questions": [q["text"] for q in top["questions"]]})
    assert r.status_code == 201, r.text
    draft = r.json()
    assert draft["valid"] is True and draft["problems"] == []
    folder = Path(draft["path"])
    assert folder.parent == tmp_path / "drafts"
    data = yaml.safe_load((folder / "procedures" / "dang-ky-khai-sinh.yaml").read_text())
    original = yaml.safe_load((REPO / "knowledge/procedures/dang-ky-khai-sinh.yaml").read_text())
    assert data["aliases"] == [*original.get("aliases", []), "làm giấy khai sinh cho bé"]
    assert {k: v for k, v in data.items() if k != "aliases"} == {
        k: v for k, v in original.items() if k != "aliases"}  # no procedure fact changed
    meta = json.loads((folder / "draft.json").read_text())
    assert meta["author"] == "vp" and meta["valid"] is True
    assert web.get("/v1/office/drafts").json()["drafts"][0]["target"] == \
        "procedures/dang-ky-khai-sinh.yaml"


def test_an_faq_draft_needs_the_office_users_answer(web: TestClient) -> None:
    r = web.post("/v1/office/drafts", json={"kind": "faq", "wording": "Cách nuôi cá cảnh?"})
    assert r.status_code == 400 and "written by you" in r.json()["error"]["message"]
    r = web.post("/v1/office/drafts", json={
        "kind": "faq", "wording": "Cách nuôi cá cảnh?", "questions": ["cach nuoi ca canh"],
        "answer": "Câu hỏi này không thuộc thủ tục hành chính; Anh/Chị vui lòng gọi tổng đài."})
    assert r.status_code == 201 and r.json()["valid"] is True, r.text
    entry = yaml.safe_load((Path(r.json()["path"]) / r.json()["file"]).read_text())
    assert entry["source"]["kind"] == "written_by_us" and "vp" in entry["source"]["reference"]


def test_a_draft_for_an_unknown_procedure_or_an_existing_alias_is_refused(
        web: TestClient) -> None:
    r = web.post("/v1/office/drafts", json={"kind": "alias", "procedure": "khong-co-that",
                                            "wording": "thủ tục không có"})
    assert r.status_code == 404
    name = yaml.safe_load((REPO / "knowledge/procedures/dang-ky-khai-sinh.yaml").read_text())
    r = web.post("/v1/office/drafts", json={"kind": "alias", "procedure": "dang-ky-khai-sinh",
                                            "wording": name["name"]})
    assert r.status_code == 400
