"""Zalo OA webhook: verify, acknowledge at once, answer in the background."""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from pydantic import BaseModel

from api.channels import zalo_webhook as zalo
from api.channels.errors import ForbiddenError
from api.channels.pipeline import first_delivery, process
from api.errors import ApiError, NotConfiguredError
from api.state import AppState

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/webhooks", tags=["channels"])

JSON_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"type": "object", "additionalProperties": True}}}}}


class WebhookAck(BaseModel):
    status: str = "ok"


async def webhook_state(request: Request) -> AppState:
    """Like ``api.deps.get_state`` but async: the acknowledgement path takes no worker thread
    (background turns use them), so the 200 stays fast under load."""
    return request.app.state.api  # type: ignore[no-any-return]


WebhookStateDep = Annotated[AppState, Depends(webhook_state)]


@router.post("/zalo", response_model=WebhookAck, openapi_extra=JSON_BODY,
             responses={400: {"description": "Body is not a JSON object"},
                        403: {"description": "Missing or forged X-ZEvent-Signature"},
                        503: {"description": "Zalo channel not configured"}})
async def zalo_webhook(request: Request, background: BackgroundTasks,
                       state: WebhookStateDep) -> WebhookAck:
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
    age = zalo.event_age_seconds(timestamp or "", state.clock())
    if age is None or age > s.zalo_max_event_age_seconds:
        logger.warning("zalo.webhook.stale_event age_s=%s", None if age is None else int(age))
        raise ForbiddenError("The event's timestamp is outside the replay window.")
    if not isinstance(event, dict):  # signed but not an object: nothing to do
        raise ApiError("The body must be a JSON object.")
    inbound = zalo.parse_event(event)
    if inbound is None:
        logger.info("zalo.webhook.ignored event=%s", str(event.get("event_name", ""))[:64])
    elif first_delivery(state, inbound):  # Redis SET NX or memory: fast enough inline
        background.add_task(process, state, inbound)
    return WebhookAck()
