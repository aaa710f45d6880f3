"""Builds the Zalo and Messenger senders from settings (only the configured ones)."""

from __future__ import annotations

import logging

import httpx
from pydantic import SecretStr

from api.channels.messenger_client import MessengerClient
from api.resilience import RetryPolicy
from api.channels.zalo_client import ZaloClient
from api.channels.zalo_tokens import ZaloTokens
from api.settings import ApiSettings

logger = logging.getLogger(__name__)

ChannelClient = ZaloClient | MessengerClient


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def build_senders(settings: ApiSettings) -> dict[str, ChannelClient]:
    policy = RetryPolicy(attempts=settings.channel_send_attempts,
                         backoff=settings.channel_retry_backoff)
    timeout = httpx.Timeout(settings.channel_send_timeout, connect=min(
        5.0, settings.channel_send_timeout))
    senders: dict[str, ChannelClient] = {}
    access, refresh = _secret(settings.zalo_access_token), _secret(settings.zalo_refresh_token)
    if settings.zalo_app_id and (access or (refresh and settings.zalo_app_secret)):
        client = httpx.Client(timeout=timeout)
        tokens = ZaloTokens(app_id=settings.zalo_app_id,
                            app_secret=_secret(settings.zalo_app_secret), access_token=access,
                            refresh_token=refresh, oauth_base=settings.zalo_oauth_base,
                            store=settings.zalo_token_file, client=client, policy=policy)
        senders["zalo"] = ZaloClient(api_base=settings.zalo_api_base, tokens=tokens,
                                     client=client, policy=policy)
    if settings.messenger_page_token is not None:
        senders["messenger"] = MessengerClient(
            graph_base=settings.graph_api_base, version=settings.graph_api_version,
            page_token=settings.messenger_page_token.get_secret_value(),
            client=httpx.Client(timeout=timeout), policy=policy)
    if senders:
        logger.info("channels.senders %s", ",".join(sorted(senders)))
    return senders
