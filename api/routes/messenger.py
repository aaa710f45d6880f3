"""Facebook Messenger webhook: subscription check, verify, acknowledge, answer later."""

from __future__ import annotations

import json
import logging
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.responses import PlainTextResponse

from api.channels import messenger_webhook as messenger
from api.channels.errors import ForbiddenError
from api.channels.pipeline import first_delivery, process
from api.deps import StateDep
from api.errors import ApiError, NotConfiguredError
from api.routes.zalo import JSON_BODY, WebhookAck, WebhookStateDep

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/webhooks", tags=["channels"])


@router.get("/messenger", response_class=PlainTextResponse,
            responses={200: {"content": {"text/plain": {}}},
                       403: {"description": "Wrong mode or verify token"},
                       503: {"description": "Messenger channel not configured"}})
def messenger_verify(
    state: StateDep,
    mode: Annotated[str | None, Query(alias="hub.mode", max_length=64)] = None,
    token: Annotated[str | None, Query(alias="hub.verify_token", max_length=512)] = None,
    challenge: Annotated[str | None, Query(alias="hub.challenge", max_length=512)] = None,
) -> PlainTextResponse:
    """Meta's subscription check: echo ``hub.challenge`` when the verify token matches."""
    expected = state.settings.messenger_verify_token
    if expected is None:
        raise NotConfiguredError("The Messenger channel is not configured "
                                 "(set API_MESSENGER_VERIFY_TOKEN).")
    if not messenger.subscription_valid(mode=mode, token=token,
                                        expected=expected.get_secret_value()):
        logger.warning("messenger.webhook.bad_verify_token")
        raise ForbiddenError("Wrong hub.mode or hub.verify_token.")
    return PlainTextResponse(challenge or "")


@router.post("/messenger", response_model=WebhookAck, openapi_extra=JSON_BODY,
             responses={400: {"description": "Body is not a JSON object"},
                        403: {"description": "Missing or forged X-Hub-Signature-256"},
                        503: {"description": "Messenger channel not configured"}})
async def messenger_webhook(request: Request, background: BackgroundTasks,
                            state: WebhookStateDep) -> WebhookAck:
    """Page events. Signed with ``X-Hub-Signature-256``; replies are sent later."""
    secret = state.settings.messenger_app_secret
    if secret is None:
        raise NotConfiguredError("The Messenger channel is not configured "
                                 "(set API_MESSENGER_APP_SECRET).")
    raw = await request.body()
    header = request.headers.get(messenger.SIGNATURE_HEADER)
    if not messenger.signature_valid(header, raw_body=raw, app_secret=secret.get_secret_value()):
        logger.warning("messenger.webhook.bad_signature present=%s", header is not None)
        raise ForbiddenError("Missing or invalid X-Hub-Signature-256.")
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        body = None
    if not isinstance(body, dict):
        raise ApiError("The body must be a JSON object.")
    for inbound in messenger.parse_body(body):
        if first_delivery(state, inbound):
            background.add_task(process, state, inbound)
    return WebhookAck()
