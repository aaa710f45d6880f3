"""Start the processes in the Procfile as one supervised group.

Each line of the Procfile is ``name: command``; ``${VAR:-default}`` is expanded by the shell.
The supervisor prefixes each process's output with its name, waits until every process answers
its health URL, prints where to open the assistant, and stops the whole group on Ctrl-C, on
SIGTERM, or as soon as one process exits. Standard library only.

    python scripts/supervise.py [--procfile Procfile] [--exit-when-ready] [--timeout 300]
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

COLORS = ["\033[36m", "\033[35m", "\033[33m", "\033[32m", "\033[34m"]
RESET = "\033[0m"


def env_port(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def health_urls() -> dict[str, str]:
    return {
        "api": f"http://127.0.0.1:{env_port('API_PORT', 8000)}/healthz",
        "rasa": f"http://127.0.0.1:{env_port('RASA_PORT', 5005)}/",
        "actions": f"http://127.0.0.1:{env_port('ACTIONS_PORT', 5055)}/health",
    }


def read_procfile(path: Path) -> dict[str, str]:
    procs: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, command = line.partition(":")
        procs[name.strip()] = command.strip()
    return procs


class Group:
    def __init__(self, procs: dict[str, str], color: bool) -> None:
        self.procs = procs
        self.color = color
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.width = max(len(n) for n in procs)

    def _pump(self, name: str, index: int, stream: object) -> None:
        prefix = f"{name:<{self.width}} | "
        if self.color:
            prefix = f"{COLORS[index % len(COLORS)]}{prefix}{RESET}"
        for line in iter(stream.readline, b""):  # type: ignore[attr-defined]
            sys.stdout.write(prefix + line.decode("utf-8", "replace"))
            sys.stdout.flush()

    def start(self) -> None:
        for index, (name, command) in enumerate(self.procs.items()):
            child = subprocess.Popen(
                ["/bin/bash", "-c", command],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self.children[name] = child
            threading.Thread(
                target=self._pump, args=(name, index, child.stdout), daemon=True
            ).start()

    def exited(self) -> tuple[str, int] | None:
        for name, child in self.children.items():
            code = child.poll()
            if code is not None:
                return name, code
        return None

    def stop(self, grace: float = 10.0) -> None:
        for child in self.children.values():
            if child.poll() is None:
                try:
                    os.killpg(child.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + grace
        for child in self.children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(child.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                child.wait()


def is_healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback only)
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_ready(group: Group, urls: dict[str, str], timeout: float) -> bool:
    pending = {name: url for name, url in urls.items() if name in group.children}
    started = time.monotonic()
    while pending:
        if group.exited():
            return False
        for name in list(pending):
            if is_healthy(pending[name]):
                print(f"supervise: {name} is ready ({time.monotonic() - started:.1f} s)", flush=True)
                del pending[name]
        if time.monotonic() - started > timeout:
            print(f"supervise: not ready after {timeout:.0f} s: {', '.join(pending)}", flush=True)
            return False
        time.sleep(0.5)
    return True


def banner() -> str:
    api = f"http://127.0.0.1:{env_port('API_PORT', 8000)}"
    return "\n".join(
        [
            "",
            "The assistant is running. Open:",
            f"  Web widget demo page : {api}/",
            f"  API docs (OpenAPI)   : {api}/docs",
            f"  Agent console        : {api}/console  (first agent: .venv/bin/python -m api "
            "agents add LOGIN --role supervisor)",
            f"  Internal routes      : {api}/v1/answer …  (X-Service-Token: API_SERVICE_TOKEN)",
            f"  Health / readiness   : {api}/healthz  {api}/readyz",
            f"  Rasa server          : http://127.0.0.1:{env_port('RASA_PORT', 5005)}/",
            f"  Action server        : http://127.0.0.1:{env_port('ACTIONS_PORT', 5055)}/health",
            "Press Ctrl-C to stop all of them.",
            "",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procfile", type=Path, default=Path("Procfile"))
    parser.add_argument("--timeout", type=float, default=float(os.environ.get("READY_TIMEOUT", 300)))
    parser.add_argument("--exit-when-ready", action="store_true",
                        help="stop the group once every process is healthy (for benchmarks)")
    args = parser.parse_args()

    # The API's internal routes need the service token that the action server sends. Without
    # one in the environment, this run gets a fresh random one (children inherit it).
    if not os.environ.get("API_SERVICE_TOKEN"):
        os.environ["API_SERVICE_TOKEN"] = secrets.token_urlsafe(32)
        print("supervise: API_SERVICE_TOKEN generated for this run (set it to keep one)",
              flush=True)
    group = Group(read_procfile(args.procfile), color=sys.stdout.isatty())
    stopping = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    started = time.monotonic()
    group.start()
    try:
        if not wait_ready(group, health_urls(), args.timeout):
            gone = group.exited()
            if gone:
                print(f"supervise: {gone[0]} exited with code {gone[1]}; stopping", flush=True)
            return 1
        print(f"supervise: all ready in {time.monotonic() - started:.1f} s", flush=True)
        print(banner(), flush=True)
        if args.exit_when_ready:
            return 0
        while not stopping.is_set():
            gone = group.exited()
            if gone:
                print(f"supervise: {gone[0]} exited with code {gone[1]}; stopping", flush=True)
                return 1
            stopping.wait(0.5)
        return 0
    finally:
        print("supervise: stopping all processes", flush=True)
        group.stop()


if __name__ == "__main__":
    sys.exit(main())
