"""Channel webhook benchmark: time to acknowledge a signed delivery and time until the reply
reaches the (fake) platform, at several concurrency levels.

Three processes on loopback: the API (uvicorn, FakeSearcher over the test catalogue), the
benchmark stand-in for Rasa + action server (``benchmarks.bench_api_fake_rasa``, which calls
the API's ``/v1/answer``), and this load process, which also serves the fake Zalo / Graph APIs.

    python benchmarks/bench_channels.py --levels 1 10 50 --per-level 20 100 150
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from tqdm import tqdm

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO)]

from fakes.graph import FakeGraph, sign as graph_sign  # noqa: E402
from fakes.live_api import free_port, wait_for  # noqa: E402
from fakes.zalo import FakeZalo, sign as zalo_sign  # noqa: E402

OA_SECRET = "bench-zalo-oa-secret-key"
FB_SECRET = "bench-messenger-app-secret"
QUESTIONS = ["làm giấy khai sinh cần giấy tờ gì", "đăng ký kết hôn mất bao lâu",
             "lệ phí đăng ký khai tử bao nhiêu", "nộp hồ sơ khai sinh ở đâu"]


def start(cmd: list[str], env: dict[str, str], url: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    if not wait_for(lambda: _up(url), timeout=60):
        proc.kill()
        raise SystemExit(f"{cmd[2:5]} did not start")
    return proc


def _up(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code < 500
    except httpx.HTTPError:
        return False


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def zalo_delivery(app_id: str, user: str, msg_id: str, text: str) -> tuple[bytes, dict[str, str]]:
    event = {"app_id": app_id, "event_name": "user_send_text",
             "timestamp": str(int(time.time() * 1000)),
             "sender": {"id": user}, "recipient": {"id": "1"},
             "message": {"text": text, "msg_id": msg_id}}
    body = json.dumps(event, ensure_ascii=False).encode()
    mac = zalo_sign(app_id=app_id, body=body, timestamp=event["timestamp"], secret_key=OA_SECRET)
    return body, {"Content-Type": "application/json", "X-ZEvent-Signature": mac}


def messenger_delivery(user: str, mid: str, text: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"object": "page", "entry": [{"id": "1", "time": 1, "messaging": [
        {"sender": {"id": user}, "recipient": {"id": "1"}, "timestamp": 1,
         "message": {"mid": mid, "text": text}}]}]}, ensure_ascii=False).encode()
    return body, {"Content-Type": "application/json",
                  "X-Hub-Signature-256": graph_sign(body, FB_SECRET)}


def run_level(channel: str, api: str, zalo: FakeZalo, graph: FakeGraph, concurrency: int,
              count: int, tag: str) -> dict[str, float]:
    received: dict[str, float] = {}
    lock = threading.Lock()
    expected = {f"{tag}{concurrency:02d}-{i:05d}" for i in range(count)}

    def watch() -> None:  # record when each user's first reply arrives at the fake platform
        while len(received) < count and not stop.is_set():
            users = ([u for u, _t in zalo.delivered] if channel == "zalo"
                     else [b["recipient"]["id"] for b in graph.delivered])
            now = time.perf_counter()
            with lock:
                for u in users:
                    if u in expected:
                        received.setdefault(u, now)
            time.sleep(0.005)

    stop = threading.Event()
    sent_at: dict[str, float] = {}
    acks: list[float] = []
    client = httpx.Client(timeout=30)

    def one(i: int) -> None:
        user = f"{tag}{concurrency:02d}-{i:05d}"  # one conversation per delivery
        text = QUESTIONS[i % len(QUESTIONS)]
        if channel == "zalo":
            body, headers = zalo_delivery(zalo.app_id, user, f"m-{user}", text)
        else:
            body, headers = messenger_delivery(user, f"m-{user}", text)
        started = time.perf_counter()
        sent_at[user] = started
        r = client.post(f"{api}/webhooks/{channel}", content=body, headers=headers)
        acks.append(time.perf_counter() - started)
        if r.status_code != 200:
            raise RuntimeError(f"webhook answered {r.status_code}: {r.text[:200]}")

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(tqdm(pool.map(one, range(count)), total=count, desc=f"{channel} c={concurrency}",
                  leave=False))
    done = wait_for(lambda: len(received) >= count, timeout=120)
    elapsed = time.perf_counter() - t0
    stop.set()
    client.close()
    e2e = [received[u] - sent_at[u] for u in sent_at if u in received]
    texts = ([(u, t) for u, t in zalo.delivered] if channel == "zalo"
             else [(b["recipient"]["id"], b["message"]["text"]) for b in graph.delivered])
    degraded = sum(1 for u, t in texts if u in expected and "chế độ hạn chế" in t)
    return {"concurrency": concurrency, "deliveries": count, "replied": len(e2e),
            "complete": done,
            "ack_p50_ms": pct(acks, .5) * 1000, "ack_p95_ms": pct(acks, .95) * 1000,
            "reply_p50_ms": pct(e2e, .5) * 1000, "reply_p95_ms": pct(e2e, .95) * 1000,
            "replies_per_s": len(e2e) / elapsed,
            "degraded_replies": degraded}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--levels", type=int, nargs="+", default=[1, 10, 50])
    ap.add_argument("--per-level", type=int, nargs="+", default=[20, 100, 150])
    ap.add_argument("--channels", nargs="+", default=["zalo", "messenger"])
    args = ap.parse_args()
    zalo, graph = FakeZalo(), FakeGraph()
    zalo.start()
    graph.start()
    tmp = Path(tempfile.mkdtemp(prefix="bench-channels-"))
    api_port, rasa_port = free_port(), free_port()
    api, rasa = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{rasa_port}"
    env = {**os.environ, "PYTHONPATH": f"{REPO}:{REPO / 'tests' / 'api'}",
           "API_DATABASE_URL": f"sqlite:///{tmp / 'api.sqlite3'}", "API_RASA_URL": rasa,
           "API_HASH_SALT": "bench-salt-0123456789", "API_RATE_LIMIT_PER_MINUTE": "100000",
           "API_SERVICE_TOKEN": "bench-service-token-0123456789",
           "API_ADDRESS_RATE_LIMIT_PER_MINUTE": "1000000",
           "API_ZALO_APP_ID": zalo.app_id, "API_ZALO_OA_SECRET_KEY": OA_SECRET,
           "API_ZALO_ACCESS_TOKEN": zalo.access_token,
           "API_ZALO_REFRESH_TOKEN": zalo.refresh_token, "API_ZALO_APP_SECRET": zalo.app_secret,
           "API_ZALO_API_BASE": zalo.url, "API_ZALO_OAUTH_BASE": zalo.url,
           "API_ZALO_TOKEN_FILE": str(tmp / "zalo-tokens.json"),
           "API_MESSENGER_APP_SECRET": FB_SECRET, "API_MESSENGER_VERIFY_TOKEN": "bench-verify-tok",
           "API_MESSENGER_PAGE_TOKEN": graph.page_token, "API_GRAPH_API_BASE": graph.url,
           "API_GRAPH_API_VERSION": graph.version, "BENCH_API_URL": api}
    py = sys.executable
    procs = [start([py, "-m", "uvicorn", "--factory", "benchmarks.bench_api_fake_rasa:build",
                    "--port", str(rasa_port), "--log-level", "warning"], env, rasa),
             start([py, "-m", "uvicorn", "--factory", "api_server_app:build", "--port",
                    str(api_port), "--log-level", "warning"], env, f"{api}/healthz")]
    try:
        for channel in args.channels:  # warm-up, not reported
            run_level(channel, api, zalo, graph, 2, 6, tag=f"warm-{channel}-")
        rows = []
        for run, channel in enumerate(args.channels):
            for step, (level, count) in enumerate(zip(args.levels, args.per_level)):
                rows.append({"channel": channel, **run_level(
                    channel, api, zalo, graph, level, count, tag=f"{channel[0]}{run}{step}-")})
        for row in rows:
            print(json.dumps({k: round(v, 1) if isinstance(v, float) else v
                              for k, v in row.items()}, ensure_ascii=False))
        problems = zalo.problems + graph.problems
        print(json.dumps({"fake_platform_problems": problems[:5], "count": len(problems)}))
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=30)
        zalo.stop()
        graph.stop()


if __name__ == "__main__":
    main()
