"""Admin API (bearer token ``API_ADMIN_TOKEN``): reload the index, runtime info."""

from __future__ import annotations

import logging
import platform
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import make_url

from api.deps import AdminAuth, StateDep
from api.errors import ApiError
from api.services.search_port import load_searcher

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[AdminAuth],
                   responses={401: {"description": "Missing or wrong token"},
                              503: {"description": "Admin API not configured"}})


class ReloadFailedError(ApiError):
    status_code = 503
    code = "reload_failed"


@router.post("/reload")
async def reload_index(state: StateDep) -> dict[str, Any]:
    """Pick up a newly published index version (or load the index if none was loaded)."""
    if state.searcher is None:
        state.searcher = await run_in_threadpool(load_searcher, state.settings.index_dir)
        if state.searcher is None:
            raise ReloadFailedError("No index could be loaded from the index directory.")
        logger.info("admin.index_loaded")
        return {"reloaded": True, "manifest": state.searcher.manifest}
    try:
        changed = await run_in_threadpool(state.searcher.reload)
    except Exception as exc:  # noqa: BLE001 - keep serving the old version
        logger.warning("admin.reload_failed: %s", exc)
        raise ReloadFailedError(f"Reload failed: {type(exc).__name__}") from exc
    logger.info("admin.index_reloaded changed=%s", changed)
    return {"reloaded": bool(changed), "manifest": state.searcher.manifest}


@router.get("/info")
def info(state: StateDep) -> dict[str, Any]:
    s = state.settings
    return {
        "version": "0.1.0",
        "python": platform.python_version(),
        "database": make_url(s.database_url).render_as_string(hide_password=True),
        "rasa_url": s.rasa_url if s.rasa_enabled else None,
        "index_dir": str(s.index_dir),
        "index_loaded": state.searcher is not None,
        "manifest": state.searcher.manifest if state.searcher else None,
        "rate_limit_backend": "redis" if s.redis_url else "memory",
        "channels": state.channels.channels(),  # the web's sender is registered too
        "events_backend": "redis" if s.redis_url else "memory",
    }
