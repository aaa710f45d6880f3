"""Channel user ids: a salted hash for lookups, and an encrypted reply address for replies.

Zalo and Messenger replies need the platform's app-scoped user id, which a one-way hash cannot
give back; it is kept encrypted (Fernet, key derived from the hash salt), never in clear.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken


class UserIdentity:
    def __init__(self, salt: bytes) -> None:
        self._salt = salt
        key = hashlib.sha256(b"api.reply-address:" + salt).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def hash_user(self, channel: str, user_id: str) -> str:
        return hmac.new(self._salt, f"{channel}:{user_id}".encode(), hashlib.sha256).hexdigest()

    def seal(self, address: str) -> str:
        return self._fernet.encrypt(address.encode()).decode()

    def open(self, sealed: str) -> str | None:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            return None
