"""``python -m api agents``: accounts with argon2 hashes, disabling, tokens, no password argv."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from api.__main__ import main
from api.agents import store
from api.agents.models import AgentRow
from api.db.engine import make_engine, make_session_factory

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'agents.sqlite3'}"
    monkeypatch.setenv("API_DATABASE_URL", url)
    monkeypatch.setenv("API_HASH_SALT", "salt-for-tests-0123456789")
    monkeypatch.delenv("API_AGENT_PASSWORD", raising=False)
    return url


def rows(url: str) -> list[AgentRow]:
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        found = list(db.scalars(select(AgentRow).order_by(AgentRow.login)))
    engine.dispose()
    return found


def add(login: str, password: str, monkeypatch: pytest.MonkeyPatch, *extra: str) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    return main(["agents", "add", login, "--password-stdin", *extra])


def test_add_list_disable(db_url: str, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    assert add("Tongdai.Lan", "mot-mat-khau-dai-1", monkeypatch, "--name", "Nguyễn Thị Lan",
               "--role", "supervisor") == 0
    [row] = rows(db_url)
    assert (row.login, row.role, row.active, row.display_name) == (
        "tongdai.lan", "supervisor", True, "Nguyễn Thị Lan")
    assert row.password_hash.startswith("$argon2id$") and "mot-mat-khau" not in row.password_hash
    assert add("tongdai.lan", "mot-mat-khau-dai-2", monkeypatch) == 2  # one login, once
    assert "already exists" in capsys.readouterr().err
    assert main(["agents", "disable", "tongdai.lan"]) == 0
    assert rows(db_url)[0].active is False
    capsys.readouterr()
    assert main(["agents", "list"]) == 0
    assert "tongdai.lan\tsupervisor\tdisabled" in capsys.readouterr().out


def test_weak_passwords_and_bad_logins_are_refused(db_url: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    assert add("an", "short", monkeypatch) == 2
    assert add("an có dấu", "mot-mat-khau-dai-1", monkeypatch) == 2
    assert rows(db_url) == []


def test_password_from_the_environment(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_AGENT_PASSWORD", "mat-khau-tu-bien-moi-truong")
    assert main(["agents", "add", "binh"]) == 0
    engine = make_engine(db_url)
    with make_session_factory(engine)() as db:
        assert store.check_password(db, login="binh", password="mat-khau-tu-bien-moi-truong")
        assert store.check_password(db, login="binh", password="sai-mat-khau-roi") is None
    engine.dispose()


def test_a_token_is_printed_once_and_stored_hashed(db_url: str, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    add("an", "mot-mat-khau-dai-1", monkeypatch)
    capsys.readouterr()
    assert main(["agents", "token", "an", "--label", "crm"]) == 0
    secret = capsys.readouterr().out.strip()
    engine = make_engine(db_url)
    with make_session_factory(engine)() as db:
        assert store.agent_for_token(db, token=secret).login == "an"  # type: ignore[union-attr]
        assert main(["agents", "revoke", "an", "1"]) == 0
        db.expire_all()
        assert store.agent_for_token(db, token=secret) is None
    engine.dispose()


def test_there_is_no_password_argument() -> None:
    out = subprocess.run([sys.executable, "-m", "api", "agents", "add", "--help"], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    assert "--password-stdin" in out and "--password " not in out
