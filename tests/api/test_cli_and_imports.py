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
