"""Integration: a real Rasa server and action server against the real API (and its index).

Starts the action server and Rasa from this (Rasa) environment. The API either runs already
(``INTEGRATION_API_URL``) or is started with ``INTEGRATION_API_PYTHON`` (the Python 3.11
environment, default ``.venv/bin/python``) on the index in ``INTEGRATION_INDEX_DIR`` (default
``var/index``). Outside CI a missing API environment or index skips; under CI it fails.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

httpx = pytest.importorskip("httpx")

from rasa_cli import REPO  # noqa: E402

pytestmark = [pytest.mark.integration, pytest.mark.rasa]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
SERVICE_TOKEN = "live-stack-service-token-0123456789"  # API_SERVICE_TOKEN = ACTIONS_SERVICE_TOKEN


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason + " (outside CI)")


def start(args: List[str], env: Dict[str, str], log: Path) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen(args, cwd=REPO, env={**os.environ, **env}, stdout=handle,
                            stderr=subprocess.STDOUT)


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{url} exited early:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    pytest.fail(f"{url} not up after {timeout:.0f}s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def stack(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Starts (API,) action server and Rasa; yields Rasa's base URL."""
    logs = tmp_path_factory.mktemp("live-stack")
    rasa_port, actions_port = free_port(), free_port()
    processes: List[subprocess.Popen] = []
    try:
        api_url = os.environ.get("INTEGRATION_API_URL")
        if not api_url:
            api_python = Path(os.environ.get("INTEGRATION_API_PYTHON", REPO / ".venv/bin/python"))
            index_dir = Path(os.environ.get("INTEGRATION_INDEX_DIR", REPO / "var" / "index"))
            if not api_python.exists():
                unavailable(f"API environment {api_python} not found")
            if not index_dir.is_dir():
                unavailable(f"no published index at {index_dir}")
            api_port = free_port()
            api_url = f"http://127.0.0.1:{api_port}"
            api = start(
                [str(api_python), "-m", "uvicorn", "api.main:app", "--port", str(api_port)],
                {"API_INDEX_DIR": str(index_dir),
                 "API_DATABASE_URL": f"sqlite:///{logs / 'api.sqlite3'}",
                 "API_SALT_FILE": str(logs / "salt"), "API_SERVICE_TOKEN": SERVICE_TOKEN,
                 "API_ADDRESS_RATE_LIMIT_PER_MINUTE": "100000",  # many citizens, one address
                 "API_RASA_URL": f"http://127.0.0.1:{rasa_port}"},
                logs / "api.log",
            )
            processes.append(api)
            wait_until_up(f"{api_url}/healthz", api, logs / "api.log", timeout=300)
        actions = start(
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "-p", str(actions_port)],
            {"ACTIONS_API_URL": api_url, "ACTIONS_API_TIMEOUT": "20",
             "ACTIONS_SERVICE_TOKEN": SERVICE_TOKEN},
            logs / "actions.log",
        )
        processes.append(actions)
        rasa = start(
            [sys.executable, "-m", "bot.serve", "run", "--enable-api", "-m", str(trained_model),
             "--endpoints", "bot/endpoints.yml", "--credentials", "bot/credentials.yml",
             "-p", str(rasa_port)],
            {"RASA_ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook"},
            logs / "rasa.log",
        )
        processes.append(rasa)
        wait_until_up(f"http://127.0.0.1:{actions_port}/health", actions, logs / "actions.log",
                      timeout=120)
        wait_until_up(f"http://127.0.0.1:{rasa_port}/status", rasa, logs / "rasa.log",
                      timeout=600)
        yield f"http://127.0.0.1:{rasa_port}"
    finally:
        for process in reversed(processes):
            stop(process)


def say(rasa_url: str, sender: str, text: str) -> List[dict]:
    response = httpx.post(f"{rasa_url}/webhooks/rest/webhook",
                          json={"sender": sender, "message": text}, timeout=60)
    response.raise_for_status()
    return response.json()


def slots(rasa_url: str, sender: str) -> dict:
    return httpx.get(f"{rasa_url}/conversations/{sender}/tracker", timeout=30).json()["slots"]


CHOOSE_BIRTH = '/choose_procedure{"procedure_id":"dang-ky-khai-sinh"}'


def quick_replies(messages: List[dict]) -> List[str]:
    return [b["payload"] for m in messages for b in m.get("buttons") or []]


def test_chosen_procedure_then_carry_over(stack: str) -> None:
    """Button choice -> catalogue answer; "thế mất bao lâu?" / "còn lệ phí thì sao?" reuse it."""
    sender = f"it-{uuid.uuid4().hex[:8]}"
    first = say(stack, sender, CHOOSE_BIRTH)
    assert first and "Đăng ký khai sinh" in first[0]["text"]
    assert "/ask_processing_time" in quick_replies(first)
    assert slots(stack, sender)["procedure_id"] == "dang-ky-khai-sinh"

    time_reply = say(stack, sender, "thế mất bao lâu?")
    assert time_reply and "Đăng ký khai sinh" in time_reply[0]["text"]
    assert slots(stack, sender)["aspect"] == "time"

    fee_reply = say(stack, sender, "còn lệ phí thì sao?")
    assert fee_reply and "Đăng ký khai sinh" in fee_reply[0]["text"]
    state = slots(stack, sender)
    assert (state["procedure_id"], state["aspect"]) == ("dang-ky-khai-sinh", "fee")


def test_free_text_question_is_answered_from_the_catalogue(stack: str) -> None:
    """Needs a calibrated index: an uncalibrated one abstains on every free-text question."""
    sender = f"it-{uuid.uuid4().hex[:8]}"
    reply = say(stack, sender, "làm giấy khai sinh cần giấy tờ gì")
    assert reply and "khai sinh" in reply[0]["text"].lower(), reply
    assert "khai-sinh" in (slots(stack, sender)["procedure_id"] or "")


def test_request_human_opens_a_ticket_and_says_what_happens_next(stack: str) -> None:
    sender = f"it-{uuid.uuid4().hex[:8]}"
    say(stack, sender, "xin chào")
    reply = say(stack, sender, "cho tôi gặp nhân viên")
    assert reply and "tổng đài viên" in reply[0]["text"]
    # Not the "cannot reach an agent" message: the API opened the ticket.
    assert "chưa kết nối được" not in reply[0]["text"]


def test_out_of_scope_gets_the_redirect(stack: str) -> None:
    reply = say(stack, f"it-{uuid.uuid4().hex[:8]}", "giá vàng hôm nay bao nhiêu")
    assert reply and "thủ tục hành chính" in reply[0]["text"]


def test_a_question_the_intents_miss_is_answered_and_garbage_is_not(stack: str) -> None:
    """nlu_fallback first asks the search engine; only a confident answer is shown."""
    question = "Con tôi có bố là người Nhật, làm khai sinh ở Việt Nam thì cần gì?"
    sender = f"it-{uuid.uuid4().hex[:8]}"
    reply = say(stack, sender, question)
    assert reply and "có yếu tố nước ngoài" in reply[0]["text"], reply
    assert slots(stack, sender)["failures"] in (None, 0.0)

    garbage = say(stack, f"it-{uuid.uuid4().hex[:8]}", "asdf qwer zxcv")
    assert garbage and "chưa hiểu" in garbage[0]["text"], garbage
