"""App factory for tests and benchmarks that run the API in a real uvicorn process.

``uvicorn --factory api_server_app:build`` (with tests/api on PYTHONPATH) serves the API with
the ``FakeSearcher`` over the fixture catalogue; all other settings come from ``API_*`` env.
"""

from __future__ import annotations

from fastapi import FastAPI

from api.main import create_app
from api.settings import ApiSettings
from api_fakes import FakeSearcher


def build() -> FastAPI:
    return create_app(ApiSettings(), searcher_loader=lambda _dir: FakeSearcher())


def build_on_the_catalogue() -> FastAPI:
    """The same over the real catalogue in knowledge/ (the office dashboard's browser test)."""
    from pathlib import Path

    knowledge = Path(__file__).resolve().parents[2] / "knowledge"
    return create_app(ApiSettings(), searcher_loader=lambda _dir: FakeSearcher(knowledge))
