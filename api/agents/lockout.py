"""Console login lock-out: sign-in attempts counted per login and per client IP in a sliding
window (default 5 per login, 20 per IP, 15 minutes), on the attempt budgets of
``api.services.attempts``: an attempt is reserved before the password is checked and given
back when it was right, so only failures count and concurrent guesses cannot overrun the
budget. In Redis when the API has a ``redis_url`` (shared by workers; in-process if Redis
fails), in-process otherwise."""

from __future__ import annotations

from dataclasses import dataclass

from api.services.attempts import (
    AttemptGuard,
    Budget,
    MemoryAttemptGuard,
    RedisAttemptGuard,
    Reservation,
)
from api.settings import ApiSettings


@dataclass
class LoginLockout:
    guard: AttemptGuard
    max_per_login: int
    max_per_ip: int

    def attempt(self, *, login: str, ip: str) -> Reservation | None:
        """One sign-in attempt, or None when the login or the address is locked out."""
        return self.guard.reserve([Budget(f"login:{login}", self.max_per_login),
                                   Budget(f"ip:{ip}", self.max_per_ip)])

    def succeeded(self, attempt: Reservation) -> None:
        """The password was right: the attempt does not count."""
        self.guard.release(attempt)


def build_lockout(settings: ApiSettings) -> LoginLockout:
    seconds = float(settings.login_lockout_seconds)
    guard: AttemptGuard = MemoryAttemptGuard(seconds)
    if settings.redis_url:
        import redis

        client = redis.Redis.from_url(settings.redis_url, socket_timeout=0.5,
                                      socket_connect_timeout=0.5)
        guard = RedisAttemptGuard(client, MemoryAttemptGuard(seconds), seconds,
                                  prefix="api:login-attempts:")
    return LoginLockout(guard, settings.login_max_failures, settings.login_ip_max_failures)
