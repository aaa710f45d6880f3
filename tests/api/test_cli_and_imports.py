"""``python -m api migrate`` and an import of ``api.main`` without side effects."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_migrate_command_creates_the_tables(tmp_path: Path) -> None:
    db = tmp_path / "cli.sqlite3"
    env = {**os.environ, "API_DATABASE_URL": f"sqlite:///{db}", "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-m", "api", "migrate"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    tables = {r[0] for r in sqlite3.connect(db).execute(
        "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"conversations", "messages", "handoff_tickets"} <= tables


def test_importing_main_builds_nothing(tmp_path: Path) -> None:
    code = ("import api.main, sys; assert 'app' not in vars(api.main); "
            "assert 'indexer.search' not in sys.modules; print('ok')")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_several_workers_without_redis_refuse_to_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("API_")}
    env.update({"PYTHONPATH": str(REPO), "API_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    out = subprocess.run([sys.executable, "-m", "api", "serve", "--workers", "2"], cwd=REPO,
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert "several workers need API_REDIS_URL" in out.stderr


def test_the_production_profile_runs_the_api_with_several_workers_on_redis() -> None:
    procs = dict(line.split(":", 1) for line in
                 (REPO / "Procfile.production").read_text(encoding="utf-8").splitlines()
                 if line.strip() and not line.startswith("#"))
    assert set(procs) == {"api", "rasa", "actions"}
    assert "API_ENVIRONMENT=production" in procs["api"] and "--workers" in procs["api"]
    assert "bot/endpoints.production.yml" in procs["rasa"] and "SANIC_WORKERS" in procs["rasa"]
    assert "ACTIONS_SERVICE_TOKEN" in procs["actions"]
