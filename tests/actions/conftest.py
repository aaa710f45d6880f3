"""Fixtures for the action tests: tracker dumps (fixtures/*.json) and the fake API.

The action tests run in the Rasa environment (Python 3.10); each test module skips itself
elsewhere, so this file imports rasa_sdk only inside the fixtures.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Callable

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fake_api() -> Any:
    from actions_fakes import FakeApi

    return FakeApi()


@pytest.fixture
def dispatcher() -> Any:
    from rasa_sdk.executor import CollectingDispatcher

    return CollectingDispatcher()


@pytest.fixture
def load_tracker() -> Callable[..., Any]:
    """``load_tracker(name, slots={...}, latest_message={...})`` from fixtures/<name>.json."""
    from rasa_sdk import Tracker

    def load(name: str, **overrides: Any) -> Tracker:
        state = copy.deepcopy(json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8")))
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(state.get(key), dict):
                state[key].update(value)
            else:
                state[key] = value
        return Tracker.from_dict(state)

    return load
