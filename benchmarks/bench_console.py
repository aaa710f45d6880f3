"""The agent console's live feed against the polling design, in one run.

Two API processes (uvicorn, FakeSearcher over the fixture catalogue, Rasa disabled), started
by this script on the same machine:

- ``events``: this checkout. Agents hold the agent SSE (``GET /v1/agent/events``), fed by the
  conversation event hub; citizen SSE is fed by the same hub.
- ``polling``: a checkout of the design before the event hub (``--baseline-root``, e.g. a
  worktree of 7144b02): agents had only the REST queue, so a console polls
  ``GET /v1/agent/tickets?status=waiting`` every ``--poll-seconds``; each citizen SSE
  connection polled the database every second.

Measured:
1. Time from a citizen's handoff request (``POST /v1/handoff``) until the ticket is visible
   in all ``--consoles`` open consoles; ``--trials`` requests, one at a time.
2. With ``--streams`` open citizen SSE connections (each on its own conversation): the API
   process's RSS before and after opening them, and its CPU time over ``--idle-seconds`` of
   idle streams.

  git worktree add /tmp/baseline-7144b02 7144b02
  .venv/bin/python benchmarks/bench_console.py --baseline-root /tmp/baseline-7144b02
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil

REPO = Path(__file__).resolve().parents[1]
SERVICE_TOKEN = "bench-service-token-0123456789"
LEGACY_AGENT_TOKEN = "bench-agent-token-0123456789"  # the polling design's shared token


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Api:
    def __init__(self, name: str, root: Path, tmp: Path) -> None:
        self.name, self.root = name, root
        self.db_url = f"sqlite:///{tmp / (name + '.sqlite3')}"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**{k: v for k, v in os.environ.items() if not k.startswith("API_")},
                    "PYTHONPATH": f"{root}{os.pathsep}{root / 'tests' / 'api'}",
                    "API_DATABASE_URL": self.db_url, "API_RASA_ENABLED": "false",
                    "API_INDEX_DIR": str(tmp / "no-index"),
                    "API_HASH_SALT": "bench-salt-0123456789abcdef",
                    "API_SESSION_SECRET": "bench-session-secret-0123456789",
                    "API_SERVICE_TOKEN": SERVICE_TOKEN, "API_AGENT_TOKEN": LEGACY_AGENT_TOKEN,
                    "API_RATE_LIMIT_PER_MINUTE": "1000000",
                    "API_ADDRESS_RATE_LIMIT_PER_MINUTE": "1000000",
                    "API_SSE_MAX_PER_ADDRESS": "100000", "API_SSE_KEEPALIVE_SECONDS": "15"}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "api_server_app:build", "--port",
             str(self.port), "--log-level", "warning", "--no-access-log"],
            cwd=self.root, env=self.env)
        for _ in range(300):
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"{self.name}: the API did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    @property
    def process(self) -> psutil.Process:
        assert self.proc is not None
        return psutil.Process(self.proc.pid)


HEADERS = {"X-Service-Token": SERVICE_TOKEN}


def new_conversation(api: Api, client: httpx.Client) -> str:
    sid = uuid.uuid4().hex
    r = client.post(api.base + "/v1/chat/web", json={"session_id": sid, "text": "xin chào"})
    r.raise_for_status()
    return sid


def request_handoff(api: Api, client: httpx.Client, sid: str) -> int:
    r = client.post(api.base + "/v1/handoff", headers=HEADERS,
                    json={"sender_id": sid, "channel": "web", "reason": "citizen_request"})
    r.raise_for_status()
    return int(r.json()["ticket_id"])


class Seen:
    """When each console first saw each ticket id."""

    def __init__(self) -> None:
        self.at: dict[int, list[float]] = {}
        self.lock = threading.Lock()

    def add(self, ticket_id: int, console: int, seen: set[tuple[int, int]]) -> None:
        if (ticket_id, console) in seen:
            return
        seen.add((ticket_id, console))
        with self.lock:
            self.at.setdefault(ticket_id, []).append(time.perf_counter())

    def all_saw(self, ticket_id: int, consoles: int) -> float | None:
        with self.lock:
            times = self.at.get(ticket_id, [])
            return max(times) if len(times) >= consoles else None


def event_console(api: Api, headers: dict[str, str], i: int, seen: Seen,
                  stop: threading.Event) -> None:
    mine: set[tuple[int, int]] = set()
    try:
        with httpx.stream("GET", api.base + "/v1/agent/events", headers=headers,
                          timeout=httpx.Timeout(None)) as r:
            for line in r.iter_lines():
                if stop.is_set():
                    return
                if line.startswith("data: "):
                    data = json.loads(line[6:])
                    if data.get("change") == "opened":
                        seen.add(int(data["ticket"]["id"]), i, mine)
    except httpx.HTTPError:  # the server stopped
        return


def polling_console(api: Api, poll: float, i: int, seen: Seen, stop: threading.Event) -> None:
    mine: set[tuple[int, int]] = set()
    headers = {"Authorization": f"Bearer {LEGACY_AGENT_TOKEN}"}
    with httpx.Client(timeout=10) as client:
        time.sleep(poll * i / 20)  # consoles opened at different moments
        while not stop.is_set():
            r = client.get(api.base + "/v1/agent/tickets", params={"status": "waiting"},
                           headers=headers)
            for t in r.json():
                seen.add(int(t["id"]), i, mine)
            stop.wait(poll)


def ticket_latency(api: Api, console: Callable[[int, Seen, threading.Event], None],
                   consoles: int, trials: int) -> list[float]:
    seen, stop = Seen(), threading.Event()
    threads = [threading.Thread(target=console, args=(i, seen, stop), daemon=True)
               for i in range(consoles)]
    for t in threads:
        t.start()
    time.sleep(3)  # every console connected
    out: list[float] = []
    with httpx.Client(timeout=30) as client:
        for _ in range(trials):
            sid = new_conversation(api, client)
            started = time.perf_counter()
            ticket = request_handoff(api, client, sid)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                done = seen.all_saw(ticket, consoles)
                if done is not None:
                    out.append((done - started) * 1000)
                    break
                time.sleep(0.002)
            else:
                out.append(float("inf"))
            time.sleep(0.2)
    stop.set()
    return out


def stream_cost(api: Api, streams: int, idle: float) -> dict[str, float]:
    with httpx.Client(timeout=30) as client:
        sids = [new_conversation(api, client) for _ in range(streams)]
        for sid in sids:  # a waiting conversation: the widget listens only then
            request_handoff(api, client, sid)
    proc = api.process
    rss_before = proc.memory_info().rss
    stop = threading.Event()
    opened = threading.Semaphore(0)

    def listen(sid: str) -> None:
        try:
            with httpx.stream("GET", f"{api.base}/v1/chat/web/{sid}/events",
                              timeout=httpx.Timeout(None)) as r:
                opened.release()
                for _ in r.iter_lines():
                    if stop.is_set():
                        return
        except httpx.HTTPError:  # the server stopped
            return

    threads = [threading.Thread(target=listen, args=(sid,), daemon=True) for sid in sids]
    for t in threads:
        t.start()
    for _ in sids:
        opened.acquire(timeout=30)
    time.sleep(3)
    rss_open = proc.memory_info().rss
    cpu0 = sum(proc.cpu_times()[:2])
    time.sleep(idle)
    cpu1 = sum(proc.cpu_times()[:2])
    stop.set()
    return {"rss_before_mb": rss_before / 2**20, "rss_open_mb": rss_open / 2**20,
            "kb_per_stream": (rss_open - rss_before) / streams / 1024,
            "cpu_s": cpu1 - cpu0, "idle_s": idle}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-root", type=Path, required=True)
    parser.add_argument("--consoles", type=int, default=20)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    parser.add_argument("--poll-seconds", type=float, default=1.0)
    args = parser.parse_args()
    sys.path[:0] = [str(REPO), str(REPO / "tests" / "api")]
    from api_fakes import make_settings, seed_agent  # this checkout's agents table

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-console-") as tmp_dir:
        tmp = Path(tmp_dir)
        for name, root in (("polling", args.baseline_root.resolve()), ("events", REPO)):
            api = Api(name, root, tmp)
            if name == "events":
                settings = make_settings(tmp / "seed", database_url=api.db_url)
                agents = [seed_agent(settings, f"bench{i}") for i in range(args.consoles)]

                def console(i: int, seen: Seen, stop: threading.Event) -> None:
                    event_console(api, agents[i], i, seen, stop)
            else:
                def console(i: int, seen: Seen, stop: threading.Event) -> None:
                    polling_console(api, args.poll_seconds, i, seen, stop)
            api.start()
            try:
                lat = ticket_latency(api, console, args.consoles, args.trials)
                cost = stream_cost(api, args.streams, args.idle_seconds)
            finally:
                api.stop()
            rows.append((name, lat, cost))
            print(f"{name}: done", flush=True)
    print(f"\n| design | ticket in {args.consoles} consoles p50 ms | p95 ms | max ms | "
          f"RSS before MB | RSS with {args.streams} citizen streams MB | KB per stream | "
          f"API CPU s in {args.idle_seconds:.0f} s idle |")
    print("|---|---|---|---|---|---|---|---|")
    for name, lat, cost in rows:
        print(f"| {name} | {statistics.median(lat):.0f} | {pct(lat, 0.95):.0f} | {max(lat):.0f} | "
              f"{cost['rss_before_mb']:.0f} | {cost['rss_open_mb']:.0f} | "
              f"{cost['kb_per_stream']:.0f} | {cost['cpu_s']:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
