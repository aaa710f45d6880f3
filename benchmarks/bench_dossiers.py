"""Dossier lookup latency (p50/p95) through HTTP: local table vs. the upstream adapter.

Generates demo dossiers (``python -m api.dossiers demo``), imports them, then starts the API
in a uvicorn process twice: with ``API_DOSSIER_SOURCE=sql`` (the local table) and with
``API_DOSSIER_SOURCE=http`` pointed at the fake upstream (tests/fakes/fake_upstream_dossiers.py)
in its own process on loopback. Each lookup is a verified citizen lookup (right factor, one
sender per request, so no lock-out), audited like in production.

  python benchmarks/bench_dossiers.py                       # SQLite, 1,000 dossiers
  python benchmarks/bench_dossiers.py --postgres            # a temporary PostgreSQL database
  python benchmarks/bench_dossiers.py --lookups 500 --levels 1,10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
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
SALT = "bench-salt-0123456789abcdef"
SERVICE_TOKEN = "bench-service-token-0123456789"
PG = "postgresql+psycopg://postgres@127.0.0.1:5432"


def run(cmd: list[str], env: dict[str, str]) -> None:
    subprocess.run(cmd, cwd=REPO, env=env, check=True)


def start_api(env: dict[str, str], log, source: str,  # type: ignore[no-untyped-def]
              upstream: str | None) -> tuple[str, subprocess.Popen]:
    port = free_port()
    env = {**env, "API_DOSSIER_SOURCE": source, "API_RASA_ENABLED": "false",
           "API_RATE_LIMIT_PER_MINUTE": "1000000", "API_MIGRATE_ON_STARTUP": "true"}
    if upstream:
        env["API_DOSSIER_UPSTREAM_URL"] = upstream
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "api_server_app:build",
                             "--host", "127.0.0.1", "--port", str(port), "--log-level",
                             "warning", "--no-access-log"], cwd=REPO, env=env, stderr=log)
    url = f"http://127.0.0.1:{port}"
    wait_up(f"{url}/healthz")
    return url, proc


async def measure(url: str, cases: list[tuple[str, str]], lookups: int,
                  concurrency: int, label: str) -> dict[str, object]:
    latencies: list[float] = []
    errors: list[str] = []
    rng = random.Random(7)
    picks = [rng.choice(cases) for _ in range(lookups)]
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for item in picks:
        queue.put_nowait(item)
    limits = httpx.Limits(max_connections=concurrency + 5)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits,
                                 headers={"X-Service-Token": SERVICE_TOKEN}) as client:
        for code, factor in cases[:10]:  # warm-up (connections, first queries)
            await client.post("/v1/dossiers/lookup", json={"code": code, "factor": factor,
                                                           "sender_id": "warm-up"})
        bar = tqdm(total=lookups, desc=f"{label} c={concurrency}", leave=False)

        async def worker() -> None:
            while not queue.empty():
                code, factor = queue.get_nowait()
                body = {"code": code, "factor": factor, "sender_id": uuid.uuid4().hex,
                        "channel": "bench"}
                started = time.perf_counter()
                try:
                    r = await client.post("/v1/dossiers/lookup", json=body)
                    if r.status_code != 200:
                        errors.append(str(r.status_code))
                except httpx.HTTPError as exc:
                    errors.append(type(exc).__name__)
                latencies.append((time.perf_counter() - started) * 1000)
                bar.update(1)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
        bar.close()
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"source": label, "concurrency": concurrency, "lookups": len(latencies),
            "errors": len(errors), "p50_ms": round(statistics.median(latencies), 1),
            "p95_ms": round(q[94], 1), "max_ms": round(max(latencies), 1),
            "lookups_per_s": round(len(latencies) / wall, 1)}


def create_pg_database() -> tuple[str, str]:
    from sqlalchemy import create_engine, text

    name = f"bench_dossiers_{uuid.uuid4().hex[:8]}"
    engine = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return name, f"{PG}/{name}"


def drop_pg_database(name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000, help="demo dossiers")
    parser.add_argument("--lookups", type=int, default=400, help="lookups per level")
    parser.add_argument("--levels", default="1,10", help="concurrent clients")
    parser.add_argument("--postgres", action="store_true", help="temporary PostgreSQL DB")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    results: list[dict[str, object]] = []
    pg_name = None
    procs: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="bench-dossiers-") as tmp_dir:
        tmp = Path(tmp_dir)
        if args.postgres:
            pg_name, db_url = create_pg_database()
        else:
            db_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        env = {**os.environ, "API_HASH_SALT": SALT, "API_DATABASE_URL": db_url,
               "API_SERVICE_TOKEN": SERVICE_TOKEN,
               "API_INDEX_DIR": str(tmp / "no-index"),
               "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests" / "api")])}
        log = open(tmp / "servers.log", "ab")  # noqa: SIM115 - closed with the directory
        try:
            demo = tmp / "demo.jsonl"
            run([sys.executable, "-m", "api.dossiers", "demo", "--count", str(args.count),
                 "--out", str(demo), "--quiet"], env)
            run([sys.executable, "-m", "api.dossiers", "import", str(demo), "--quiet"], env)
            rows = [json.loads(line) for line in demo.read_text(encoding="utf-8").splitlines()]
            cases = [(r["code"], r["phone"][-4:]) for r in rows]
            up_port = free_port()
            procs.append(subprocess.Popen(
                [sys.executable, "tests/fakes/fake_upstream_dossiers.py", str(demo),
                 str(up_port)], cwd=REPO, env=env, stdout=log, stderr=log))
            wait_up(f"http://127.0.0.1:{up_port}/dossiers/none")
            for source, upstream in (("sql", None), ("http", f"http://127.0.0.1:{up_port}")):
                url, proc = start_api(env, log, source, upstream)
                procs.append(proc)
                for level in levels:
                    results.append(asyncio.run(measure(url, cases, args.lookups, level,
                                                       source)))
                proc.terminate()
                proc.wait(timeout=30)
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.terminate()
                    proc.wait(timeout=30)
            log.close()
            if pg_name:
                drop_pg_database(pg_name)
    db = "PostgreSQL" if args.postgres else "SQLite"
    print(f"\nDossier lookup, {args.count} demo dossiers, database {db}\n")
    print("| source | concurrency | lookups | errors | p50 ms | p95 ms | max ms | lookups/s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['source']} | {r['concurrency']} | {r['lookups']} | {r['errors']} | "
              f"{r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} | {r['lookups_per_s']} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
