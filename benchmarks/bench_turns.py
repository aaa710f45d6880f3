"""Web chat turns through the real stack: API + Rasa + action server + retrieval.

Each stack is started from a checkout (``--stack NAME=ROOT``; the checkout's own ``.venv``,
``.venv-rasa``, trained model ``bot/models/bot.tar.gz`` and actions), on the published index
``--index`` (shared by every stack, so retrieval is the same). This process is the load
generator; every server is a separate process on loopback.

Two loads per stack:
- closed loop: N conversations in flight, each sends its next turn when the last one is
  answered (``--levels``), for the saturated throughput;
- open loop: turns arrive at a fixed rate whatever the answers (``--rates``, for
  ``--seconds`` each), spread over a pool of conversations, for the latency at a given load.

  python benchmarks/bench_turns.py --stack today=/work/baseline --stack new=. \\
      --variant new:production,rasa_workers=2 --json var/bench_turns.json

``--variant NAME:OPTS`` sets per-stack options: ``production`` (Rasa on
bot/endpoints.production.yml: PostgreSQL tracker store and Redis lock store, from the local
services), ``rasa_workers=N`` (Sanic workers), ``api_workers=N``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from loopback import free_port, wait_up

REPO = Path(__file__).resolve().parents[1]
# Citizen turns: free text and quick-reply clicks, as a web conversation sends them.
QUESTIONS = [
    ("làm giấy khai sinh cần giấy tờ gì", None),
    ("Lệ phí", "/ask_fee"),
    ("thế mất bao lâu?", None),
    ("đăng ký kết hôn nộp ở đâu", None),
    ("Giấy tờ", "/ask_documents"),
    ("cấp lại thẻ căn cước có làm online được không", None),
    ("cảm ơn", None),
    ("đăng ký tạm trú cho người thuê trọ cần gì", None),
]
DEGRADED_NOTE = "chế độ hạn chế"


@dataclass
class Stack:
    name: str
    root: Path
    production: bool = False
    rasa_workers: int = 1
    api_workers: int = 1
    procs: list[subprocess.Popen] = field(default_factory=list)


def parse_stacks(args: argparse.Namespace) -> list[Stack]:
    stacks = {}
    for spec in args.stack:
        name, _, root = spec.partition("=")
        stacks[name] = Stack(name, Path(root).resolve())
    for spec in args.variant or []:
        name, _, opts = spec.partition(":")
        for opt in filter(None, opts.split(",")):
            key, _, value = opt.partition("=")
            if key == "production":
                stacks[name].production = True
            elif key in ("rasa_workers", "api_workers"):
                setattr(stacks[name], key, int(value))
            else:
                raise SystemExit(f"unknown variant option {key!r}")
    return list(stacks.values())


def pg_database(name: str) -> None:
    """Create (fresh) a PostgreSQL database on the local server for one run."""
    import psycopg

    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}"')
        c.execute(f'CREATE DATABASE "{name}"')


def start(stack: Stack, index: Path, tmp: Path) -> str:
    log = open(tmp / f"{stack.name}.log", "ab")  # noqa: SIM115 - closed with the directory
    api_port, rasa_port, actions_port = free_port(), free_port(), free_port()
    api_url = f"http://127.0.0.1:{api_port}"
    env = {**os.environ, "PYTHONPATH": str(stack.root), "TOKENIZERS_PARALLELISM": "false",
           "API_INDEX_DIR": str(index),
           "API_DATABASE_URL": f"sqlite:///{tmp / (stack.name + '.sqlite3')}",
           "API_SALT_FILE": str(tmp / "salt"), "API_HASH_SALT": "bench-salt-0123456789abcdef",
           "API_RATE_LIMIT_PER_MINUTE": "1000000", "API_RASA_TIMEOUT": "10",
           "API_ADDRESS_RATE_LIMIT_PER_MINUTE": "1000000",  # every citizen is 127.0.0.1
           "API_RASA_URL": f"http://127.0.0.1:{rasa_port}",
           "ACTIONS_API_URL": api_url, "ACTIONS_API_TIMEOUT": "20",
           "API_SERVICE_TOKEN": "bench-service-token-0123456789",
           "ACTIONS_SERVICE_TOKEN": "bench-service-token-0123456789",
           "RASA_ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
           "SANIC_WORKERS": str(stack.rasa_workers)}
    endpoints = "bot/endpoints.yml"
    if stack.production:
        db = f"bench_turns_{stack.name}"
        pg_database(db)
        env.update({"RASA_DB_HOST": "127.0.0.1", "RASA_DB_PORT": "5432", "RASA_DB_NAME": db,
                    "RASA_DB_USER": "postgres", "RASA_DB_PASSWORD": "",
                    "RASA_REDIS_HOST": "127.0.0.1", "RASA_REDIS_PORT": "6379",
                    "RASA_REDIS_DB": "5", "RASA_REDIS_PASSWORD": ""})
        endpoints = "bot/endpoints.production.yml"
    venv, rasa_venv = stack.root / ".venv/bin/python", stack.root / ".venv-rasa/bin/python"
    commands = [
        [str(venv), "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port",
         str(api_port), "--log-level", "warning", "--no-access-log",
         "--workers", str(stack.api_workers)],
        [str(rasa_venv), "-m", "rasa_sdk", "--actions", "actions", "-p", str(actions_port)],
        # bot.serve is Rasa's command line with the cached action-reply validator (if the
        # checkout has it); older checkouts run plain rasa.
        [str(rasa_venv), "-m", "bot.serve" if (stack.root / "bot/serve.py").exists() else "rasa",
         "run", "--enable-api", "-m", "bot/models/bot.tar.gz",
         "--endpoints", endpoints, "--credentials", "bot/credentials.yml",
         "-i", "127.0.0.1", "-p", str(rasa_port)],
    ]
    for command in commands:
        stack.procs.append(subprocess.Popen(command, cwd=stack.root, env=env, stdout=log,
                                            stderr=subprocess.STDOUT))
    wait_up(f"{api_url}/healthz", timeout=300)
    wait_up(f"http://127.0.0.1:{actions_port}/health", timeout=300)
    wait_up(f"http://127.0.0.1:{rasa_port}/", timeout=600)
    return api_url


def stop(stack: Stack) -> None:
    for proc in stack.procs:
        proc.terminate()
    for proc in stack.procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    stack.procs.clear()


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    degraded: int = 0

    def row(self, wall: float, **extra: object) -> dict[str, object]:
        lat = self.latencies
        q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) > 1 else lat * 99
        return {**extra, "turns": len(lat), "errors": self.errors, "degraded": self.degraded,
                "p50_ms": round(statistics.median(lat), 1), "p95_ms": round(q[94], 1),
                "max_ms": round(max(lat), 1), "turns_s": round(len(lat) / wall, 1)}


async def turn(client: httpx.AsyncClient, sid: str, i: int, tally: Tally) -> None:
    text, payload = QUESTIONS[i % len(QUESTIONS)]
    body = {"session_id": sid, "text": text, **({"payload": payload} if payload else {})}
    started = time.perf_counter()
    try:
        r = await client.post("/v1/chat/web", json=body)
        messages = r.json().get("messages") if r.status_code == 200 else None
        if not messages:
            tally.errors += 1
        elif any(DEGRADED_NOTE in m["text"] for m in messages):
            tally.degraded += 1
    except (httpx.HTTPError, ValueError):
        tally.errors += 1
    tally.latencies.append((time.perf_counter() - started) * 1000)


async def closed_loop(url: str, conversations: int, turns: int) -> dict[str, object]:
    tally = Tally()

    async def one() -> None:
        sid = uuid.uuid4().hex
        for i in range(turns):
            await turn(client, sid, i, tally)

    limits = httpx.Limits(max_connections=conversations + 5)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(conversations)))
        wall = time.perf_counter() - started
    return tally.row(wall, load=f"closed {conversations} conv.")


async def open_loop(url: str, rate: float, seconds: float) -> dict[str, object]:
    """Arrivals every 1/rate s; a conversation never has two turns in flight (a citizen waits
    for the reply), so each arrival takes the next idle conversation of a pool."""
    tally = Tally()
    idle: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
    for _ in range(int(rate * 10) + 10):
        idle.put_nowait((uuid.uuid4().hex, 0))
    tasks = []

    async def arrive() -> None:
        sid, i = await idle.get()
        await turn(client, sid, i, tally)
        idle.put_nowait((sid, i + 1))

    limits = httpx.Limits(max_connections=int(rate * 10) + 20)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        started = time.perf_counter()
        n = int(rate * seconds)
        for k in range(n):
            delay = started + k / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(arrive()))
        await asyncio.gather(*tasks)
        wall = time.perf_counter() - started
    return tally.row(wall, load=f"open {rate:g}/s")


def run_stack(stack: Stack, args: argparse.Namespace, tmp: Path) -> list[dict[str, object]]:
    url = start(stack, args.index, tmp)
    rows: list[dict[str, object]] = []
    try:
        asyncio.run(closed_loop(url, 2, len(QUESTIONS)))  # warm-up: models, caches
        for level in args.levels:
            rows.append(asyncio.run(closed_loop(url, level, args.turns)))
            print(stack.name, rows[-1], flush=True)
        for rate in args.rates:
            rows.append(asyncio.run(open_loop(url, rate, args.seconds)))
            print(stack.name, rows[-1], flush=True)
    finally:
        stop(stack)
    return [{"stack": stack.name, **row} for row in rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", action="append", required=True, help="NAME=ROOT")
    parser.add_argument("--variant", action="append", help="NAME:opt,opt=value")
    parser.add_argument("--index", type=Path, default=REPO / "var" / "index")
    parser.add_argument("--levels", type=lambda s: [int(x) for x in s.split(",")],
                        default=[10, 25])
    parser.add_argument("--rates", type=lambda s: [float(x) for x in s.split(",") if x],
                        default=[8.0])
    parser.add_argument("--turns", type=int, default=8, help="turns per closed-loop conv.")
    parser.add_argument("--seconds", type=float, default=30.0, help="per open-loop rate")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="bench-turns-") as tmp:
        for stack in parse_stacks(args):
            rows += run_stack(stack, args, Path(tmp))
    print("\n| stack | load | turns | errors | degraded | p50 ms | p95 ms | max ms | turns/s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['stack']} | {r['load']} | {r['turns']} | {r['errors']} | {r['degraded']} "
              f"| {r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} | {r['turns_s']} |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
