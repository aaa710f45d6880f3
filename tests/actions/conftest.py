"""Fixtures for the action tests: tracker dumps (fixtures/*.json) and the fake API."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Callable

import pytest

pytest.importorskip("rasa_sdk", reason="needs the Rasa environment (/tmp/v310 or .venv-rasa)")

from rasa_sdk import Tracker  # noqa: E402
from rasa_sdk.executor import CollectingDispatcher  # noqa: E402

from actions_fakes import FakeApi  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fake_api() -> FakeApi:
    return FakeApi()


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def load_tracker() -> Callable[..., Tracker]:
    """``load_tracker(name, slots={...}, latest_message={...})`` from fixtures/<name>.json."""

    def load(name: str, **overrides: Any) -> Tracker:
        state = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
        state = copy.deepcopy(state)
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(state.get(key), dict):
                state[key].update(value)
            else:
                state[key] = value
        return Tracker.from_dict(state)

    return load

