"""Citizen questions that got no answer, grouped by similar wording.

A question is unanswered when the bot's next message abstained (``messages.outcome``) or when
the citizen said "no" to the answer (``answer_feedback.helpful`` false). Questions are grouped
with the search's own query encoder (the bundled embedding model): greedy, most frequent
wording first, a question joins the first group whose representative is at least
``similarity`` (cosine) away. Without an encoder the groups are the exact wordings.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from api.db.models import Conversation, Message, Role
from api.db.office import AnswerFeedback, Outcome
from api.office.analytics import Range
from vntext import squash_spaces

MAX_WORDINGS = 500  # distinct wordings encoded per request (the most frequent): 1.4 s on 2 CPUs
MAX_GROUPS = 50


class QueryEncoder(Protocol):
    def encode_queries(self, texts: Any) -> np.ndarray: ...


@dataclass
class Group:
    representative: str
    questions: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return sum(self.questions.values())


def _question_of(bot: Any) -> Any:
    """The citizen message just before the bot message ``bot`` (same conversation)."""
    citizen = aliased(Message)
    return (select(func.max(citizen.id))
            .where(citizen.conversation_id == bot.conversation_id,
                   citizen.role == Role.citizen.value, citizen.id < bot.id)
            .correlate(bot).scalar_subquery())


def unanswered_questions(db: Session, rng: Range) -> list[tuple[str, str]]:
    """(question text, why: 'abstained' or 'not_helpful') for the range."""
    bot = aliased(Message)
    abstained = (select(_question_of(bot).label("q")).select_from(bot)
                 .where(bot.role == Role.bot.value, bot.outcome == Outcome.abstained.value,
                        bot.created_at >= rng.since, bot.created_at < rng.until))
    if rng.channel:
        abstained = abstained.join(Conversation, Conversation.id == bot.conversation_id).where(
            Conversation.channel == rng.channel)
    answered = (select(_question_of(bot).label("q"))
                .select_from(AnswerFeedback)
                .join(bot, bot.id == AnswerFeedback.message_id)
                .where(AnswerFeedback.helpful.is_(False),
                       and_(AnswerFeedback.created_at >= rng.since,
                            AnswerFeedback.created_at < rng.until)))
    if rng.channel:
        answered = answered.where(AnswerFeedback.channel == rng.channel)
    out: list[tuple[str, str]] = []
    for why, stmt in (("abstained", abstained), ("not_helpful", answered)):
        ids = [q for (q,) in db.execute(stmt) if q is not None]
        for chunk in range(0, len(ids), 5000):
            texts = db.execute(select(Message.text).where(
                Message.id.in_(ids[chunk:chunk + 5000]))).scalars()
            out.extend((t, why) for t in texts if t and not t.startswith("["))
    return out


def group_questions(questions: list[tuple[str, str]], encoder: QueryEncoder | None, *,
                    similarity: float) -> list[Group]:
    """Groups of similar questions, the largest first."""
    wordings: Counter[str] = Counter()
    reasons: dict[str, Counter[str]] = {}
    for text, why in questions:
        key = squash_spaces(text.strip())
        wordings[key] += 1
        reasons.setdefault(key, Counter())[why] += 1
    ranked = [w for w, _ in sorted(wordings.items(), key=lambda kv: (-kv[1], kv[0]))]
    ranked = ranked[:MAX_WORDINGS]
    groups: list[Group] = []
    if encoder is None or not ranked:
        for w in ranked:
            groups.append(Group(w, Counter({w: wordings[w]}), Counter(reasons[w])))
    else:
        vectors = np.asarray(encoder.encode_queries(ranked), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = vectors / np.where(norms == 0, 1, norms)
        heads: list[np.ndarray] = []
        for w, v in zip(ranked, vectors):
            best, best_i = -1.0, -1
            if heads:
                scores = np.stack(heads) @ v
                best_i = int(np.argmax(scores))
                best = float(scores[best_i])
            if best >= similarity:
                groups[best_i].questions[w] += wordings[w]
                groups[best_i].reasons.update(reasons[w])
            else:
                heads.append(v)
                groups.append(Group(w, Counter({w: wordings[w]}), Counter(reasons[w])))
    groups.sort(key=lambda g: (-g.count, g.representative))
    return groups[:MAX_GROUPS]


def encoder_of(searcher: Any) -> QueryEncoder | None:
    """The search's query encoder (``indexer.search.Searcher.embedder``), if it has one."""
    try:
        return getattr(searcher, "embedder", None) if searcher is not None else None
    except Exception:  # noqa: BLE001 - a model that does not load leaves exact grouping
        return None
