"""When a platform lets a reply through, and how (platform-facts §6, §7).

- **Messenger**: a reply within 24 h of the citizen's last message is a normal
  ``messaging_type: RESPONSE``. A *human agent's* message between 24 h and 7 days goes out
  with ``messaging_type: MESSAGE_TAG, tag: HUMAN_AGENT``; later, or a bot message after 24 h,
  is not sent (the platform would refuse it) and the agent is told.
- **Zalo OA**: after a citizen's message the OA may send 8 free replies within 48 h (Zalo OA's
  support site). Past either limit a message counts as proactive ("chủ động"). Whether the
  consultation endpoint then refuses or charges is **unconfirmed**, so the message is sent and
  marked ``zalo_proactive_unconfirmed`` for the agent and the logs.
- Web has no window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

MESSENGER_STANDARD = timedelta(hours=24)
MESSENGER_HUMAN_AGENT = timedelta(days=7)
ZALO_FREE_WINDOW = timedelta(hours=48)
ZALO_FREE_REPLIES = 8


@dataclass(frozen=True)
class Delivery:
    send: bool
    window: str = "open"  # open | human_agent_tag | closed | zalo_proactive_unconfirmed
    tag: str | None = None  # Messenger message tag


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)  # SQLite drops it


def delivery(channel: str, *, last_citizen_at: datetime | None, now: datetime,
             sent_since: int, human: bool) -> Delivery:
    """How to send one message on ``channel``; ``sent_since`` counts the messages already
    sent to the citizen after its last message."""
    if last_citizen_at is None or channel not in {"messenger", "zalo"}:
        return Delivery(True)
    age = _aware(now) - _aware(last_citizen_at)
    if channel == "messenger":
        if age <= MESSENGER_STANDARD:
            return Delivery(True)
        if human and age <= MESSENGER_HUMAN_AGENT:
            return Delivery(True, "human_agent_tag", "HUMAN_AGENT")
        return Delivery(False, "closed")
    if age > ZALO_FREE_WINDOW or sent_since >= ZALO_FREE_REPLIES:
        return Delivery(True, "zalo_proactive_unconfirmed")
    return Delivery(True)
