"""Zalo OA webhook: verify, acknowledge at once, answer in the background."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from api.channels import zalo_webhook as zalo
from api.channels.errors import ForbiddenError
from api.channels.pipeline import first_delivery, process
from api.deps import StateDep
from api.errors import ApiError, NotConfiguredError

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/webhooks", tags=["channels"])

JSON_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"type": "object", "additionalProperties": True}}}}}


class WebhookAck(BaseModel):
    status: str = "ok"


@router.post("/zalo", response_model=WebhookAck, openapi_extra=JSON_BODY,
             responses={400: {"description": "Body is not a JSON object"},
                        403: {"description": "Missing or forged X-ZEvent-Signature"},
                        503: {"description": "Zalo channel not configured"}})
async def zalo_webhook(request: Request, background: BackgroundTasks,
                       state: StateDep) -> WebhookAck:
    """Events from the Zalo OA. Signed with ``X-ZEvent-Signature``; replies are sent later."""
    s = state.settings
    if not s.zalo_app_id or s.zalo_oa_secret_key is None:
        raise NotConfiguredError("The Zalo channel is not configured "
                                 "(set API_ZALO_APP_ID and API_ZALO_OA_SECRET_KEY).")
    raw = await request.body()
    try:
        event = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        event = None
    header = request.headers.get(zalo.SIGNATURE_HEADER)
    timestamp = zalo.body_timestamp(event) if isinstance(event, dict) else None
    if not zalo.signature_valid(header, app_id=s.zalo_app_id, raw_body=raw, timestamp=timestamp,
                                secret_key=s.zalo_oa_secret_key.get_secret_value()):
        logger.warning("zalo.webhook.bad_signature present=%s", header is not None)
        raise ForbiddenError("Missing or invalid X-ZEvent-Signature.")
    if not isinstance(event, dict):  # signed but not an object: nothing to do
        raise ApiError("The body must be a JSON object.")
    inbound = zalo.parse_event(event)
    if inbound is None:
        logger.info("zalo.webhook.ignored event=%s", str(event.get("event_name", ""))[:64])
    elif await run_in_threadpool(first_delivery, state, inbound):
        background.add_task(process, state, inbound)
    return WebhookAck()
