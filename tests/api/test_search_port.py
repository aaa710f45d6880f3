"""The search port the API codes against: complete on the real Searcher and the fake, warmed
up by the lifespan, and an index failure is a 503, not a 500."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.main import create_app
from api.services.search_port import SearcherLike
from api_fakes import SERVICE_HEADERS, FakeRasa, FakeSearcher, make_settings
from indexer.errors import IndexNotFoundError
from indexer.search import Searcher

PORT = ("search", "procedure", "procedures", "faq", "warm_up", "reload", "manifest")


def test_the_real_searcher_and_the_fake_have_the_whole_port() -> None:
    members = {n for n in dir(SearcherLike) if not n.startswith("_")}
    assert members == set(PORT)
    assert [m for m in PORT if not hasattr(Searcher, m)] == []
    assert isinstance(FakeSearcher(), SearcherLike)


def test_the_lifespan_warms_the_searcher_up_when_asked(tmp_path: Path) -> None:
    for wanted in (True, False):
        searcher = FakeSearcher()
        app = create_app(make_settings(tmp_path, warm_up_searcher=wanted),
                         searcher_loader=lambda _d: searcher)
        with TestClient(app):
            pass
        assert searcher.warm_ups == (1 if wanted else 0)


class BrokenSearcher(FakeSearcher):
    def search(self, query: str, *, top_k: int = 5, filters: object = None):  # type: ignore[override]
        raise IndexNotFoundError("the published version disappeared")


def test_an_index_failure_is_a_503_with_a_clear_code(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path), searcher_loader=lambda _d: BrokenSearcher(),
                     rasa_transport=FakeRasa("echo").transport())
    with TestClient(app, raise_server_exceptions=False, headers=SERVICE_HEADERS) as client:
        for r in (client.get("/v1/search", params={"q": "khai sinh"}),
                  client.post("/v1/answer", json={"text": "khai sinh cần gì"})):
            assert r.status_code == 503, r.text
            assert r.json()["error"]["code"] == "index_unavailable"
