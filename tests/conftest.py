"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("TTHC_SHARED_DATA", REPO.parent / "shared" / "data"))
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def knowledge_dir() -> Path:
    return REPO / "knowledge"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The official records in ../shared/data. Required under CI; skipped elsewhere if absent."""
    if not SHARED_DATA.is_dir():
        if IN_CI:
            pytest.fail(f"CI needs the official records at {SHARED_DATA}")
        pytest.skip(f"../shared/data not found at {SHARED_DATA} (outside CI)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def bundled_model() -> Path:
    """The prepared bundled model directory: required under CI, skipped elsewhere if absent."""
    from indexer.settings import IndexerSettings

    model_dir = Path(IndexerSettings().model_dir)
    if not (model_dir / "modules.json").exists():
        message = f"model not prepared at {model_dir}; run `python -m indexer prepare-model`"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return model_dir


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """Under CI nothing may be skipped: a missing service or data set is a failure there."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under CI, which must run every test: {reason}"
