"""Web chat turn latency (p50/p95) and throughput at 1/10/50 concurrent conversations.

This process is the load generator; the API (and, with ``--rasa fake``, a fake Rasa) run as
separate uvicorn processes on loopback.

  python benchmarks/bench_api.py --rasa down            # degraded mode (Rasa stopped)
  python benchmarks/bench_api.py --rasa fake            # fake Rasa that calls /v1/answer
  python benchmarks/bench_api.py --url http://127.0.0.1:8000   # an API already running
                                                        # (e.g. with real Rasa + actions)
``--searcher fake`` (default) uses the fixture catalogue and keyword FakeSearcher from
tests/api; ``--searcher real`` uses the published index in API_INDEX_DIR (real e5 + BM25).
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
from pathlib import Path

import httpx
from loopback import free_port, wait_up
from tqdm import tqdm

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = [
    ("làm giấy khai sinh cần giấy tờ gì", None),
    ("Lệ phí", "/ask_fee"),
    ("Thời hạn", "/ask_processing_time"),
    ("đăng ký kết hôn nộp ở đâu", None),
    ("Giấy tờ", "/ask_documents"),
    ("lệ phí đăng ký khai tử bao nhiêu", None),
    ("Nộp trực tuyến", "/ask_online"),
    ("thời tiết hôm nay thế nào", None),
]


def start_servers(args: argparse.Namespace, tmp: Path) -> tuple[str, list[subprocess.Popen]]:
    log = open(tmp / "servers.log", "ab")  # noqa: SIM115 - closed with the temp directory
    api_port, rasa_port = free_port(), free_port()
    api_url = f"http://127.0.0.1:{api_port}"
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests" / "api")]),
           "API_DATABASE_URL": args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}",
           "API_RASA_URL": f"http://127.0.0.1:{rasa_port}",
           "API_RASA_TIMEOUT": str(args.rasa_timeout),
           "API_RATE_LIMIT_PER_MINUTE": "1000000",  # measure the server, not the limiter
           "API_ADDRESS_RATE_LIMIT_PER_MINUTE": "1000000",  # every simulated citizen is 127.0.0.1
           "API_HASH_SALT": "bench-salt-0123456789abcdef",
           "API_SERVICE_TOKEN": "bench-service-token-0123456789",
           "BENCH_API_URL": api_url}
    app = ["--factory", "api_server_app:build"] if args.searcher == "fake" else ["api.main:app"]
    procs = [subprocess.Popen([sys.executable, "-m", "uvicorn", *app, "--host", "127.0.0.1",
                               "--port", str(api_port), "--log-level", "warning",
                               "--no-access-log"], cwd=REPO, env=env, stderr=log)]
    if args.rasa == "fake":
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "benchmarks.bench_api_fake_rasa:build",
             "--host", "127.0.0.1", "--port", str(rasa_port), "--log-level", "warning",
             "--no-access-log"], cwd=REPO, env=env, stderr=log))
        wait_up(f"http://127.0.0.1:{rasa_port}/")
    wait_up(f"{api_url}/healthz")
    return api_url, procs


DEGRADED_NOTE = "chế độ hạn chế"  # the degraded-mode note added to cited answers


async def conversation(client: httpx.AsyncClient, turns: int, latencies: list[float],
                       errors: list[str], degraded: list[int], bar: tqdm,
                       vary: bool = False) -> None:
    sid = uuid.uuid4().hex
    for i in range(turns):
        text, payload = QUESTIONS[i % len(QUESTIONS)]
        if vary and payload is None:  # defeat the searcher's query-vector cache
            text = f"{text} {uuid.uuid4().hex[:6]}"
        body = {"session_id": sid, "text": text, **({"payload": payload} if payload else {})}
        started = time.perf_counter()
        try:
            r = await client.post("/v1/chat/web", json=body)
            if r.status_code != 200 or not r.json()["messages"]:
                errors.append(f"status {r.status_code}")
            elif any(DEGRADED_NOTE in m["text"] for m in r.json()["messages"]):
                degraded.append(1)
        except httpx.HTTPError as exc:
            errors.append(type(exc).__name__)
        latencies.append((time.perf_counter() - started) * 1000)
        bar.update(1)


async def run_level(url: str, concurrency: int, turns: int,
                    vary: bool = False) -> dict[str, float]:
    latencies: list[float] = []
    errors: list[str] = []
    degraded: list[int] = []
    limits = httpx.Limits(max_connections=concurrency + 5)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        with tqdm(total=concurrency * turns, desc=f"{concurrency} conv", leave=False) as bar:
            started = time.perf_counter()
            await asyncio.gather(*(conversation(client, turns, latencies, errors, degraded, bar,
                                                vary) for _ in range(concurrency)))
            wall = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"concurrency": concurrency, "turns": len(latencies), "errors": len(errors),
            "degraded": len(degraded),
            "p50_ms": round(statistics.median(latencies), 1), "p95_ms": round(q[94], 1),
            "max_ms": round(max(latencies), 1), "throughput_turns_s": round(len(latencies) / wall, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="benchmark an API that is already running")
    parser.add_argument("--rasa", choices=["down", "fake"], default="down")
    parser.add_argument("--searcher", choices=["fake", "real"], default="fake")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--rasa-timeout", type=float, default=8.0)
    parser.add_argument("--levels", default="1,10,50")
    parser.add_argument("--turns", type=int, default=8, help="turns per conversation")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--vary", action="store_true",
                        help="make every free-text question unique (no query-vector cache hits)")
    args = parser.parse_args()
    procs: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        try:
            if args.url:
                url = args.url
            else:
                url, procs = start_servers(args, Path(tmp))
            asyncio.run(run_level(url, 1, 3))  # warm-up (model, caches, connections)
            rows = [asyncio.run(run_level(url, int(c), args.turns, args.vary))
                    for c in args.levels.split(",")]
        finally:
            for p in procs:
                p.terminate()
                p.wait(timeout=15)
    label = (f"rasa={'external' if args.url else args.rasa} searcher={args.searcher}"
             f"{' vary' if args.vary else ''}")
    print(f"\n{label}")
    print("| concurrent conversations | turns | errors | degraded | p50 ms | p95 ms | max ms "
          "| turns/s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['concurrency']} | {r['turns']} | {r['errors']} | {r['degraded']} | "
              f"{r['p50_ms']} | "
              f"{r['p95_ms']} | {r['max_ms']} | {r['throughput_turns_s']} |")
    if args.json:
        args.json.write_text(json.dumps({"label": label, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
