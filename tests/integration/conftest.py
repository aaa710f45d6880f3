"""A real Rasa server, action server and API, started once for the integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.stack import RASA_BIN, RASA_MODEL, REPO, Stack, start_stack

INDEX_POINTER = REPO / "var" / "index"


def _missing() -> list[str]:
    missing = []
    if not RASA_BIN.exists():
        missing.append(f"{RASA_BIN} (make envs)")
    if not RASA_MODEL.exists():
        missing.append(f"{RASA_MODEL} (make train)")
    if not INDEX_POINTER.exists():
        missing.append(f"{INDEX_POINTER} (make index)")
    return missing


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    missing = _missing()
    if missing:
        pytest.fail("integration tests need what `make test` prepares: " + ", ".join(missing))
    workdir: Path = tmp_path_factory.mktemp("stack")
    running = start_stack(workdir)
    try:
        yield running
    finally:
        running.stop()
