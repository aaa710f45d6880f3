"""Bot turn latency: one citizen message through Rasa, the action server and the API.

Sends scripted conversations to a running Rasa server's REST webhook and reports p50/p95 of
the wall time per turn (HTTP round trip: NLU, policies, action_answer -> POST /v1/answer ->
retrieval -> reply). Start the API, the action server and Rasa first, e.g.::

    uvicorn api.main:app --port 8000
    ACTIONS_API_URL=http://127.0.0.1:8000 rasa run actions --actions actions
    RASA_ACTION_ENDPOINT_URL=http://127.0.0.1:5055/webhook \\
        rasa run --enable-api -m bot/models --endpoints bot/endpoints.yml \\
        --credentials bot/credentials.yml
    python benchmarks/bench_bot_turn.py --rasa-url http://127.0.0.1:5005 --rounds 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from typing import Dict, List

import httpx
from tqdm import tqdm

# Each conversation: a question naming a procedure, then follow-ups that carry it over.
CONVERSATIONS: List[List[str]] = [
    ["làm giấy khai sinh cần giấy tờ gì", "thế mất bao lâu?", "còn lệ phí thì sao?"],
    ["đăng ký kết hôn nộp ở đâu", "có làm online được không"],
    ["cap lai the can cuoc het bao nhieu tien", "bao lau thi co"],
    ["đăng ký thường trú cần điều kiện gì", "các bước làm thế nào"],
    ["xin phiếu lý lịch tư pháp ở đâu", "cần mang theo gì"],
    # A clarification choice (button payload), then follow-ups on the chosen procedure.
    ['/choose_procedure{"procedure_id":"dang-ky-khai-sinh"}', "thế mất bao lâu?",
     "còn lệ phí thì sao?"],
]


def percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def run(rasa_url: str, rounds: int, timeout: float) -> Dict[str, object]:
    url = rasa_url.rstrip("/") + "/webhooks/rest/webhook"
    latencies: List[float] = []
    empty = 0
    answered = 0  # replies carrying aspect quick replies, i.e. a composed catalogue answer
    with httpx.Client(timeout=timeout) as client:
        # Warm-up turn (model and index caches), not measured.
        client.post(url, json={"sender": f"bench-warmup-{uuid.uuid4().hex[:6]}",
                               "message": CONVERSATIONS[0][0]})
        senders: Dict[tuple, str] = {}
        for round_no in tqdm(range(rounds), desc="rounds", file=sys.stderr):
            for conv_no, conversation in enumerate(CONVERSATIONS):
                sender = senders.setdefault((round_no, conv_no),
                                            f"bench-{round_no}-{conv_no}-{uuid.uuid4().hex[:6]}")
                for message in conversation:
                    started = time.perf_counter()
                    response = client.post(url, json={"sender": sender, "message": message})
                    latencies.append((time.perf_counter() - started) * 1000)
                    response.raise_for_status()
                    messages = response.json()
                    if not messages:
                        empty += 1
                    if any(b.get("payload", "").startswith("/ask_")
                           for m in messages for b in m.get("buttons") or []):
                        answered += 1
    return {
        "turns": len(latencies),
        "empty_replies": empty,
        "answered_turns": answered,
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
        "max_ms": round(max(latencies), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-url", default="http://127.0.0.1:5005")
    parser.add_argument("--rounds", type=int, default=5, help="times each conversation is run")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    print(json.dumps(run(args.rasa_url, args.rounds, args.timeout), indent=2))


if __name__ == "__main__":
    main()
