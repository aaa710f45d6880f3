"""Recent ``/v1/answer`` results by sender, so a Rasa reply that relays one keeps its metadata.

The action server relays the composed text and buttons through Rasa; the citation link, the
procedure id and the confidence would be lost on the way. When the API stores Rasa's reply it
looks up what it composed for that sender (Rasa's sender is our conversation id) and attaches
them. In-process only: with several API workers a miss simply stores the reply without them.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from api.schemas.answer import AnswerPublic


class AnswerMemo:
    def __init__(self, ttl: float = 120.0, max_items: int = 10_000) -> None:
        self.ttl = ttl
        self.max_items = max_items
        self._items: OrderedDict[str, tuple[float, list[AnswerPublic]]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, sender_id: str, answer: AnswerPublic) -> None:
        now = time.monotonic()
        with self._lock:
            _, answers = self._items.pop(sender_id, (now, []))
            self._items[sender_id] = (now, [*answers[-4:], answer])
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)

    def take(self, sender_id: str) -> list[AnswerPublic]:
        with self._lock:
            stamp, answers = self._items.pop(sender_id, (0.0, []))
        return answers if time.monotonic() - stamp <= self.ttl else []
