"""Start the real processes (API, Rasa server, action server) on free loopback ports."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
RASA_BIN = REPO / ".venv-rasa" / "bin" / "rasa"
RASA_MODEL = REPO / "bot" / "models" / "bot.tar.gz"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Process:
    name: str
    argv: list[str]
    env: dict[str, str]
    health: str
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = self.log.open("wb")
        self.popen = subprocess.Popen(self.argv, cwd=REPO, env=self.env, stdout=out,
                                      stderr=subprocess.STDOUT, start_new_session=True)

    def healthy(self) -> bool:
        try:
            return httpx.get(self.health, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, 15)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, 9)
                self.popen.wait()


@dataclass
class Stack:
    api_url: str
    rasa_url: str
    actions_url: str
    processes: list[Process] = field(default_factory=list)

    def wait_healthy(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        pending = list(self.processes)
        while pending:
            for proc in list(pending):
                if proc.popen and proc.popen.poll() is not None:
                    raise RuntimeError(f"{proc.name} exited early:\n{proc.tail()}")
                if proc.healthy():
                    pending.remove(proc)
            if time.monotonic() > deadline:
                names = ", ".join(p.name for p in pending)
                raise RuntimeError(f"not healthy after {timeout} s: {names}\n"
                                   + "\n".join(p.tail() for p in pending))
            time.sleep(0.5)

    def stop(self) -> None:
        for proc in reversed(self.processes):
            proc.stop()


SERVICE_TOKEN = "integration-service-token-0123456789"  # API_SERVICE_TOKEN of the stack


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("API_", "ACTIONS_", "RASA_"))}
    env.update({"PYTHONPATH": str(REPO), "TOKENIZERS_PARALLELISM": "false"})
    env.update(extra)
    return env


def api_process(port: int, rasa_url: str, workdir: Path, **extra: str) -> Process:
    env = base_env(API_RASA_URL=rasa_url, API_DATABASE_URL=f"sqlite:///{workdir / 'api.sqlite3'}",
                   API_SALT_FILE=str(workdir / "salt"), API_SERVICE_TOKEN=SERVICE_TOKEN,
                   # the tests play many citizens from 127.0.0.1
                   API_ADDRESS_RATE_LIMIT_PER_MINUTE="100000", **extra)
    return Process(
        "api", [str(REPO / ".venv/bin/python"), "-m", "uvicorn", "api.main:app",
                "--host", "127.0.0.1", "--port", str(port)],
        env, f"http://127.0.0.1:{port}/healthz", workdir / "api.log")


def start_stack(workdir: Path, **api_env: str) -> Stack:
    api_port, rasa_port, actions_port = free_port(), free_port(), free_port()
    stack = Stack(f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{rasa_port}",
                  f"http://127.0.0.1:{actions_port}")
    actions = Process(
        "actions", [str(RASA_BIN), "run", "actions", "--actions", "actions",
                    "-p", str(actions_port)],
        base_env(ACTIONS_API_URL=stack.api_url, ACTIONS_SERVICE_TOKEN=SERVICE_TOKEN),
        f"{stack.actions_url}/health",
        workdir / "actions.log")
    rasa = Process(
        "rasa", [str(RASA_BIN), "run", "--enable-api", "-i", "127.0.0.1", "-p", str(rasa_port),
                 "-m", str(RASA_MODEL), "--endpoints", "bot/endpoints.yml",
                 "--credentials", "bot/credentials.yml"],
        base_env(RASA_ACTION_ENDPOINT_URL=f"{stack.actions_url}/webhook"), f"{stack.rasa_url}/",
        workdir / "rasa.log")
    api = api_process(api_port, stack.rasa_url, workdir, **api_env)
    stack.processes = [actions, rasa, api]
    for proc in stack.processes:
        proc.start()
    try:
        stack.wait_healthy()
    except Exception:
        stack.stop()
        raise
    return stack
