"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.db.engine import ping
from api.deps import StateDep

router = APIRouter(prefix="", tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "Some part is not ready"}})
async def readyz(state: StateDep) -> JSONResponse:
    checks = {
        "index": state.searcher is not None,
        "rasa": (await run_in_threadpool(state.rasa.reachable)) if state.rasa else False,
        "database": await run_in_threadpool(ping, state.engine),
    }
    not_ready = [name for name, ok in checks.items() if not ok]
    body = {"ready": not not_ready, "checks": checks, "not_ready": not_ready}
    return JSONResponse(body, status_code=200 if not not_ready else 503)
