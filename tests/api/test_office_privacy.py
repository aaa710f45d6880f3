"""Data protection (issue 14): ID and phone numbers masked in the stored citizen text (Rasa
still gets the clear text), retention removes exactly what is older than the setting, and the
demo traffic fills only an empty database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.__main__ import main as api_main
from api.db.engine import make_engine, make_session_factory, migrate
from api.db.models import Conversation, HandoffTicket, Message, Role
from api.db.office import AnswerFeedback, CsatRating, PaknCase
from api.main import create_app
from api.office.analytics import Dashboard, Range
from api.office.demo import DemoError, fill_demo_traffic
from api.office.retention import apply_retention
from api_fakes import SERVICE_HEADERS, FakeRasa, FakeSearcher, make_settings
from office_seed import NOW, seed
from test_store_postgres import pg_url  # noqa: F401 - the PostgreSQL database fixture

REPO = Path(__file__).resolve().parents[2]
SID = "privacy-session-0000000000000001"


def test_stored_citizen_text_is_masked_but_rasa_gets_it_clear(tmp_path: Path,
                                                               fake_rasa: FakeRasa) -> None:
    app = create_app(make_settings(tmp_path), searcher_loader=lambda _d: FakeSearcher(),
                     rasa_transport=fake_rasa.transport())
    text = "Hồ sơ H12-250101-0001 của tôi, CCCD 001203004567, số 0912 345 678"
    with TestClient(app, headers=SERVICE_HEADERS) as c:
        assert c.post("/v1/chat/web", json={"session_id": SID, "text": text}).status_code == 200
        assert fake_rasa.requests[-1]["message"] == text  # the dossier lookup needs them
        with app.state.api.session_factory() as db:
            stored = db.scalars(select(Message.text).where(
                Message.role == Role.citizen.value)).all()
    assert stored == ["Hồ sơ H12-250101-0001 của tôi, CCCD [CCCD], số [PHONE]"]


def _counts(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {m.__tablename__: db.scalar(select(func.count()).select_from(m)) or 0
            for m in (Conversation, Message, AnswerFeedback, CsatRating, HandoffTicket,
                      PaknCase)}


def check_retention(db, *, alone: bool) -> None:  # type: ignore[no-untyped-def]
    """``alone``: the database holds only this test's rows (PostgreSQL's is shared by the
    session, where other seeds' old rows go too)."""
    ids = seed(db, prefix="ret-")
    old_pakn = PaknCase(code="ret-OLD", conversation_id=ids["old"], channel="web",
                        content="cũ", consent=True, status="closed", contact_sealed="x",
                        contact_masked="09******78", due_at=NOW - timedelta(days=50),
                        created_at=NOW - timedelta(days=60))
    db.add(old_pakn)
    db.commit()
    day = NOW.date()
    before = Dashboard(db, Range(day, day), fields={}, now=NOW).all()
    report = apply_retention(db, cutoff=NOW - timedelta(days=30))
    if alone:
        assert (report.conversations, report.messages, report.pakn_contacts) == (1, 2, 1)
    else:
        assert report.conversations >= 1 and report.messages >= 2 and report.pakn_contacts >= 1
    db.expire_all()
    assert db.get(Conversation, ids["old"]) is None
    assert db.scalar(select(func.count()).select_from(Message).where(
        Message.created_at < NOW - timedelta(days=30))) == 0
    pakn = db.scalar(select(PaknCase).where(PaknCase.code == "ret-OLD"))
    assert pakn is not None and pakn.contact_sealed is None and pakn.contact_masked is None
    assert pakn.conversation_id is None and pakn.content == "cũ"  # kept for the counts
    after = Dashboard(db, Range(day, day), fields={}, now=NOW).all()
    after["generated_at"] = before["generated_at"]
    assert after == before  # nothing newer than the cut-off was touched
    again = apply_retention(db, cutoff=NOW - timedelta(days=30))
    assert again.conversations == again.messages == again.pakn_contacts == 0


def test_retention_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    migrate(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        check_retention(db, alone=True)
    engine.dispose()


@pytest.mark.postgres
def test_retention_on_postgresql(pg_url: str) -> None:  # noqa: F811
    engine = make_engine(pg_url)
    try:
        with make_session_factory(engine)() as db:
            check_retention(db, alone=False)
    finally:
        engine.dispose()


def test_the_retention_command_uses_the_setting(tmp_path: Path, monkeypatch,  # type: ignore[no-untyped-def]
                                                capsys) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    monkeypatch.setenv("API_DATABASE_URL", url)
    monkeypatch.setenv("API_RETENTION_DAYS", "100000")
    migrate(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        seed(db)
    assert api_main(["retention"]) == 0
    assert '"conversations": 0' in capsys.readouterr().out  # 100000 days: nothing is that old
    assert api_main(["retention", "--days", "1", "--dry-run"]) == 0
    assert '"conversations": 4' in capsys.readouterr().out
    with make_session_factory(engine)() as db:
        assert _counts(db)["conversations"] == 4  # a dry run changes nothing
    assert api_main(["retention", "--days", "1"]) == 0
    with make_session_factory(engine)() as db:
        left = _counts(db)
    engine.dispose()
    assert left["conversations"] == left["messages"] == left["answer_feedback"] == 0
    assert left["pakn_cases"] == 2  # cases stay, their contacts and links are gone


def test_demo_traffic_fills_only_an_empty_database(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, office_knowledge_dir=REPO / "knowledge")
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as db:
        made = fill_demo_traffic(db, settings=settings, conversations=60, now=NOW)
        assert made["conversations"] == 60 and made["messages"] >= 120
        bots = db.scalars(select(Message).where(Message.role == Role.bot.value)).all()
        assert all(m.text.startswith("[demo]") and m.payload == {"demo": True} for m in bots)
        known = {p.stem for p in (REPO / "knowledge" / "procedures").glob("*.yaml")}
        assert {m.procedure for m in bots if m.procedure} <= known
        d = Dashboard(db, Range(NOW.date() - timedelta(days=30), NOW.date()), fields={},
                      now=NOW).all()
        assert d["volume"]["conversations"] == 60 and d["outcomes"]["counts"]["answered"] > 0
        with pytest.raises(DemoError):
            fill_demo_traffic(db, settings=settings, conversations=5, now=NOW)
    engine.dispose()
