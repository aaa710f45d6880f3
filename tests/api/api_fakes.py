"""Test doubles: a keyword ``FakeSearcher`` over the fixture catalogue (same contract as
``indexer.search.Searcher``) and a fake Rasa REST webhook."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import httpx

from api.settings import ApiSettings

from indexer.aspects import guess_aspect
from indexer.catalog.loader import load_catalog
from indexer.catalog.schema import FaqEntry, Procedure
from indexer.errors import IndexerError

FIXTURE_KNOWLEDGE = Path(__file__).resolve().parent / "fixtures" / "knowledge"
# Frozen copies of real catalogue records with variants (khai sinh, tạm trú, căn cước), for the
# families, two-procedure and detail-aspect tests.
VARIANT_KNOWLEDGE = Path(__file__).resolve().parent / "fixtures" / "knowledge_variants"

ASPECT_WORDS = [
    ("documents", ("giay to", "ho so", "can gi", "can nhung gi")),
    ("time", ("bao lau", "thoi han", "may ngay", "mat bao")),
    ("fee", ("le phi", "bao nhieu tien", "phi")),
    ("place", ("o dau", "noi nop", "nop o")),
    ("online", ("truc tuyen", "online")),
]
# Aspects the fake takes from ``indexer.aspects.guess_aspect`` (as the real Searcher does),
# ahead of its own short word list.
REAL_GUESS = {"deadline", "validity", "who", "forms", "result"}
STOP = {"dang", "ky", "lam", "giay", "thu", "tuc"}


def fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
    return "".join(c for c in text if unicodedata.category(c) != "Mn")


def tokens(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", fold(text)))


@dataclass
class FakeHit:
    procedure_id: str
    name: str
    code: str | None
    score: float
    confidence: float
    status: str = "active"
    passages: dict[str, Any] = field(default_factory=dict)


@dataclass
class FakeResult:
    abstain: bool
    hits: list[FakeHit]
    aspect: str | None
    faq_answer: None = None  # the fake never prefers an FAQ entry


class FakeSearcher:
    """Scores a procedure by the share of its name/alias words that the query contains."""

    threshold = 0.3

    def __init__(self, root: Path = FIXTURE_KNOWLEDGE) -> None:
        self.catalog = load_catalog(root)
        self.by_id = self.catalog.by_id
        self.reloads = 0
        self.warm_ups = 0
        self.queries: list[str] = []

    @classmethod
    def load(cls, index_dir: Path) -> FakeSearcher:
        return cls()

    def search(self, query: str, *, top_k: int = 5, filters: Any = None) -> FakeResult:
        self.queries.append(query)
        q = tokens(query)
        hits = []
        for p in self.catalog.procedures:
            best = 0.0
            for name in p.all_names():
                key = tokens(name) - STOP or tokens(name)
                best = max(best, len(q & key) / len(key))
            if best > 0:
                hits.append(FakeHit(p.id, p.name, p.code, best, best, p.status.state.value))
        hits.sort(key=lambda h: (-h.score, h.procedure_id))
        folded = fold(query)
        aspect = guess_aspect(query)
        if aspect not in REAL_GUESS:
            aspect = next((a for a, words in ASPECT_WORDS if any(w in folded for w in words)),
                          None)
        abstain = not hits or hits[0].confidence < self.threshold
        return FakeResult(abstain=abstain, hits=hits[:top_k], aspect=aspect)

    def procedure(self, procedure_id: str) -> Procedure:
        try:
            return self.by_id[procedure_id]
        except KeyError:
            raise IndexerError(f"unknown procedure id {procedure_id!r}") from None

    def faq(self, faq_id: str) -> FaqEntry:
        entry = next((f for f in self.catalog.faqs if f.id == faq_id), None)
        if entry is None:
            raise IndexerError(f"unknown FAQ id {faq_id!r}")
        return entry

    def warm_up(self) -> None:
        self.warm_ups += 1

    @property
    def procedures(self) -> dict[str, Procedure]:
        return self.by_id

    def reload(self) -> bool:
        self.reloads += 1
        return False

    @property
    def manifest(self) -> dict[str, Any]:
        return {"kind": "fake", "procedures": len(self.catalog.procedures)}


class FakeRasa:
    """An ``httpx.MockTransport`` handler that answers like Rasa's REST channel.

    ``mode``: "echo" (one text + buttons + a custom citation), "down" (connection error),
    "error" (HTTP 500), "slow" (timeout), "empty" ([]).
    """

    def __init__(self, mode: str = "echo") -> None:
        self.mode = mode
        self.requests: list[dict[str, Any]] = []
        self.canned: list[dict[str, Any]] | None = None  # mode "canned": return this list
        # called with each message body before replying (what the actions do meanwhile)
        self.during_turn: Callable[[dict[str, Any]], None] | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/":
            if self.mode == "down":
                raise httpx.ConnectError("down", request=request)
            return httpx.Response(200, text="Hello from Rasa: 3.6.21")
        body = json.loads(request.content)
        self.requests.append(body)
        if self.during_turn is not None:
            self.during_turn(body)
        if self.mode == "down":
            raise httpx.ConnectError("down", request=request)
        if self.mode == "slow":
            raise httpx.ReadTimeout("slow", request=request)
        if self.mode == "error":
            return httpx.Response(500, json={"error": "boom"})
        if self.mode == "empty":
            return httpx.Response(200, json=[])
        if self.mode == "canned":
            return httpx.Response(200, json=self.canned or [])
        sender = body["sender"]
        return httpx.Response(200, json=[
            {"recipient_id": sender, "text": f"Rasa nhận: {body['message']}",
             "buttons": [{"title": "Lệ phí", "payload": "/ask_fee"}]},
            {"recipient_id": sender, "custom": {
                "citation": {"label": "Nguồn: Đăng ký khai sinh (mã 1.001193)",
                             "url": "https://dichvucong.gov.vn/"},
                "procedure": {"id": "dang-ky-khai-sinh"}, "confidence": 0.9}},
        ])

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


ADMIN_TOKEN = "admin-token-for-tests-0123456789"
SERVICE_TOKEN = "service-token-for-tests-0123456789"
# What the action server sends on the internal routes (/v1/answer, /v1/search, /v1/handoff,
# /v1/dossiers/lookup); test clients that stand in for it send it by default.
SERVICE_HEADERS = {"X-Service-Token": SERVICE_TOKEN}
AGENT_PASSWORD = "mat-khau-cho-kiem-thu-42"


def add_agent(app: Any, login: str, *, role: str = "agent",
              password: str = AGENT_PASSWORD) -> dict[str, str]:
    """Create an agent in a started app's database; its API token's bearer header."""
    return _agent_in(app.state.api.session_factory, login, role, password)


def seed_agent(settings: ApiSettings, login: str, *, role: str = "agent",
               password: str = AGENT_PASSWORD) -> dict[str, str]:
    """Like ``add_agent`` before any app starts: migrates ``settings``' database first."""
    from api.db.engine import make_engine, make_session_factory, migrate

    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        return _agent_in(make_session_factory(engine), login, role, password)
    finally:
        engine.dispose()


def _agent_in(factory: Any, login: str, role: str, password: str) -> dict[str, str]:
    from api.agents import store
    from api.agents.models import AgentRole

    with factory() as db:
        row = store.create_agent(db, login=login, display_name=login.title(),
                                 role=AgentRole(role), password=password)
        _, secret = store.issue_token(db, agent=row, label="tests")
        db.commit()
    return {"Authorization": f"Bearer {secret}"}


def make_settings(tmp_path: Path, **overrides: object) -> ApiSettings:
    values: dict[str, object] = {
        "database_url": f"sqlite:///{tmp_path / 'api.sqlite3'}",
        "index_dir": tmp_path / "index",
        "rasa_url": "http://rasa.test",
        "rasa_timeout": 2.0,
        "admin_token": ADMIN_TOKEN,
        "service_token": SERVICE_TOKEN,
        "hash_salt": "salt-for-tests-0123456789",
        "session_secret": "session-secret-for-tests-0123456789",
    }
    values.update(overrides)
    return ApiSettings(**values)  # type: ignore[arg-type]


def ask_answer(client: Any, **body: object) -> dict[str, Any]:
    """``POST /v1/answer`` with ``body``; the JSON of a 200 answer (anything else fails)."""
    resp = client.post("/v1/answer", json=body)
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]
