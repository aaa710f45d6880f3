"""Settings of the action server (env prefix ``ACTIONS_``), read once on first use."""

from __future__ import annotations

from functools import lru_cache
from typing import Optional

from pydantic import BaseSettings, Field, SecretStr, validator


class ActionsSettings(BaseSettings):
    """Where the API lives and how long the action server waits for it."""

    api_url: str = Field("http://127.0.0.1:8000", description="Base URL of the API")
    api_timeout: float = Field(8.0, gt=0, description="Seconds to wait for one API call")
    api_connect_timeout: float = Field(2.0, gt=0, description="Seconds to open a connection")
    transcript_max_turns: int = Field(60, gt=0, description="Messages sent with a handoff")
    service_token: Optional[SecretStr] = Field(
        None, description="The API's API_SERVICE_TOKEN, sent as X-Service-Token")

    class Config:
        env_prefix = "ACTIONS_"

    @validator("api_url")
    def _strip_trailing_slash(cls, value: str) -> str:  # noqa: N805 (pydantic validator)
        return value.rstrip("/")


@lru_cache(maxsize=1)
def get_settings() -> ActionsSettings:
    """Returns the settings, read from the environment on the first call."""
    return ActionsSettings()
