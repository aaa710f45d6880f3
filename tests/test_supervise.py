"""scripts/supervise.py: starts a Procfile group, waits for health, stops everything."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SERVER = (
    "import http.server, os\n"
    "class H(http.server.BaseHTTPRequestHandler):\n"
    "    def do_GET(self):\n"
    "        self.send_response(200); self.end_headers(); self.wfile.write(os.environ['GREETING'].encode())\n"
    "    def log_message(self, *a): pass\n"
    "http.server.HTTPServer(('127.0.0.1', int(os.environ['API_PORT'])), H).serve_forever()\n"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(tmp_path: Path, procfile: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "server.py").write_text(SERVER, encoding="utf-8")
    (tmp_path / "Procfile").write_text(procfile, encoding="utf-8")
    env = {**os.environ, "API_PORT": str(free_port())}
    return subprocess.run(
        [sys.executable, str(REPO / "scripts" / "supervise.py"), "--procfile", "Procfile",
         "--exit-when-ready", "--timeout", "30"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_ready_group_with_env_assignments_in_commands(tmp_path: Path) -> None:
    proc = run(tmp_path, f"# a comment\napi: GREETING=hello {sys.executable} server.py\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "supervise: api is ready" in proc.stdout
    assert "Web widget demo page" in proc.stdout


def test_a_process_that_dies_stops_the_group(tmp_path: Path) -> None:
    proc = run(tmp_path, f"api: {sys.executable} -c 'raise SystemExit(3)'\n")
    assert proc.returncode == 1
    assert "api exited with code 3" in proc.stdout
