"""Endpoint files: env-var driven; production file really talks to PostgreSQL and Redis."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

pytest.importorskip("rasa", reason="needs the Rasa 3.6 environment")

from rasa.core.lock_store import LockStore, RedisLockStore  # noqa: E402
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore  # noqa: E402
from rasa.core.utils import AvailableEndpoints  # noqa: E402
from rasa.shared.core.domain import Domain  # noqa: E402
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered  # noqa: E402
from rasa.shared.core.trackers import DialogueStateTracker  # noqa: E402
from rasa.shared.exceptions import RasaException  # noqa: E402

from rasa_cli import REPO  # noqa: E402

pytestmark = pytest.mark.rasa

DEV = str(REPO / "bot" / "endpoints.yml")
PRODUCTION = str(REPO / "bot" / "endpoints.production.yml")
PG_HOST = os.environ.get("TEST_PG_HOST", "127.0.0.1")
REDIS_HOST = os.environ.get("TEST_REDIS_HOST", "127.0.0.1")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require(host: str, port: int, what: str) -> None:
    if not reachable(host, port):
        if IN_CI:
            pytest.fail(f"CI needs {what} at {host}:{port}")
        pytest.skip(f"{what} not reachable at {host}:{port} (outside CI)")


def test_dev_endpoints_take_the_action_server_url_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RASA_ACTION_ENDPOINT_URL", "http://actions.internal:5055/webhook")
    endpoints = AvailableEndpoints.read_endpoints(DEV)
    assert endpoints.action.url == "http://actions.internal:5055/webhook"
    assert endpoints.tracker_store is None  # in-memory by default
    assert endpoints.lock_store is None


def test_missing_env_var_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RASA_ACTION_ENDPOINT_URL", raising=False)
    with pytest.raises(RasaException, match="RASA_ACTION_ENDPOINT_URL"):
        AvailableEndpoints.read_endpoints(DEV)


@pytest.fixture
def production_env(monkeypatch: pytest.MonkeyPatch) -> str:
    """Points the production file at the local services; returns the test database name."""
    require(PG_HOST, 5432, "PostgreSQL")
    require(REDIS_HOST, 6379, "Redis")
    database = "rasa_tracker_test"
    import psycopg2

    connection = psycopg2.connect(host=PG_HOST, user="postgres", dbname="postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE DATABASE {database}")
    connection.close()
    values = {
        "RASA_ACTION_ENDPOINT_URL": "http://127.0.0.1:5055/webhook",
        "RASA_DB_HOST": PG_HOST, "RASA_DB_PORT": "5432", "RASA_DB_NAME": database,
        "RASA_DB_USER": "postgres", "RASA_DB_PASSWORD": "",
        "RASA_REDIS_HOST": REDIS_HOST, "RASA_REDIS_PORT": "6379", "RASA_REDIS_DB": "3",
        "RASA_REDIS_PASSWORD": "",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return database


@pytest.mark.postgres
async def test_production_tracker_store_is_postgresql(production_env: str) -> None:
    endpoints = AvailableEndpoints.read_endpoints(PRODUCTION)
    domain = Domain.load(str(REPO / "bot" / "domain.yml"))
    store = TrackerStore.create(endpoints.tracker_store, domain)
    # TrackerStore.create silently falls back to memory when the database is unusable.
    assert isinstance(store, SQLTrackerStore), type(store)

    sender = f"test-{uuid.uuid4().hex[:8]}"
    tracker = DialogueStateTracker.from_events(
        sender,
        [ActionExecuted("action_listen"), UserUttered("đăng ký khai sinh cần gì",
                                                      {"name": "ask_documents"}),
         SlotSet("procedure_id", "dang-ky-khai-sinh")],
        slots=domain.slots,
    )
    await store.save(tracker)
    again = await store.retrieve(sender)
    assert again is not None
    assert again.get_slot("procedure_id") == "dang-ky-khai-sinh"
    assert again.latest_message.text == "đăng ký khai sinh cần gì"


@pytest.mark.postgres
async def test_production_lock_store_is_redis(production_env: str) -> None:
    endpoints = AvailableEndpoints.read_endpoints(PRODUCTION)
    lock_store = LockStore.create(endpoints.lock_store)
    assert isinstance(lock_store, RedisLockStore)
    conversation = f"test-{uuid.uuid4().hex[:8]}"
    assert lock_store.key_prefix.startswith("tthc:")
    async with lock_store.lock(conversation):
        lock = lock_store.get_lock(conversation)  # read back from Redis
        assert lock is not None and lock.tickets
        assert lock.is_locked(lock.last_issued + 1)  # a second request would have to wait
    released = lock_store.get_lock(conversation)
    assert released is None or not released.tickets
    lock_store.delete_lock(conversation)
