"""An action that talks to the API: the client is made on first use, never at import."""

from __future__ import annotations

import abc
from typing import Optional, Text

from rasa_sdk import Action

from actions.api_client import ApiClient


class ApiAction(Action, metaclass=abc.ABCMeta):
    """Base of the actions that call the API; tests pass a client built on a fake API.

    Abstract (``name`` is not defined here), so the action server does not register it.
    """

    def __init__(self, client: Optional[ApiClient] = None) -> None:
        self._client = client

    @abc.abstractmethod
    def name(self) -> Text: ...

    @property
    def client(self) -> ApiClient:
        if self._client is None:
            self._client = ApiClient.from_settings()
        return self._client
