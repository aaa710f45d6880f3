"""The steps of a citizen turn: store the message, then store Rasa's replies or the degraded
answer. ``api.services.turns.TurnService`` runs them for every channel."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from api.db import conversations as convs
from api.db.models import Conversation, ConversationState, Message, Role
from api.db.office import Outcome
from api.identity import UserIdentity
from api.schemas.answer import AnswerRequest
from api.schemas.handoff import HandoffRequest
from api.services import wording
from api.services.asking_for_a_person import HUMAN_INTENTS, wants_human
from api.services.composer import ASPECT_INTENT, INTENT_ASPECT, AnswerComposer
from api.services.handoff import HandoffService
from api.services.payloads import BotMessage, from_rasa, parse_payload
from api.services.rasa_client import RasaClient, RasaReply
from api.services.ratelimit import RateLimiter
from api.services.textclean import clean_text, cut

logger = logging.getLogger(__name__)

AGENT_STATES = {ConversationState.waiting_agent.value, ConversationState.agent.value}
# the answer's status -> what the turn did (messages.outcome, counted by the office dashboard)
STATUS_OUTCOME = {"answer": Outcome.answered.value, "abolished": Outcome.answered.value,
                  "clarify": Outcome.clarified.value, "abstain": Outcome.abstained.value}


def outcome_of(msg: BotMessage, *, handed_off: bool) -> str:
    """What a stored bot reply did: the action server says it for answers, clarifications and
    abstentions; otherwise a reply in a turn that opened a ticket is a handoff, a cited
    procedure answer is an answer, a list of procedures to choose is a clarification."""
    if msg.outcome:
        return msg.outcome
    if handed_off:
        return Outcome.handed_off.value
    if msg.citation and msg.procedure:
        return Outcome.answered.value
    if any(str(b.get("payload", "")).startswith("/choose_procedure") for b in msg.buttons):
        return Outcome.clarified.value
    return Outcome.other.value


@dataclass
class PendingTurn:
    """A stored citizen message waiting for Rasa's answer."""

    conv: Conversation
    out: list[Message | BotMessage]
    text: str
    payload: str | None
    message: str
    started: float


@dataclass
class Turn:
    """What a channel shows the citizen after one message."""

    conversation: Conversation | None
    messages: list[Message | BotMessage] = field(default_factory=list)
    rate_limited: bool = False


class Dialogue:
    def __init__(self, *, composer: AnswerComposer, rasa: RasaClient | None,
                 limiter: RateLimiter, identity: UserIdentity, hotline: str,
                 max_chars: int,
                 handoff: Callable[[Session], HandoffService] | None = None) -> None:
        self.composer = composer
        self.rasa = rasa
        self.limiter = limiter
        self.identity = identity
        self.hotline = hotline
        self.max_chars = max_chars
        self.handoff = handoff  # None: no handoff desk, degraded mode offers only the hotline

    # -- texts -------------------------------------------------------------------------------
    def empty_prompt(self) -> BotMessage:
        return BotMessage(text=wording.EMPTY_PROMPT)

    def rate_limited_text(self) -> BotMessage:
        return BotMessage(text=wording.RATE_LIMITED)

    # -- a turn (run by api.services.turns.TurnService) ---------------------------------
    def begin(self, session: Session, *, channel: str, user_id: str, text: str,
              payload: str | None = None, reply_address: str | None = None) -> Turn | PendingTurn:
        """Checks and stores the citizen's message; a ``Turn`` when there is nothing to ask."""
        text = clean_text(text or "")
        payload = clean_text(payload) if payload else None
        if not text and not payload:
            return Turn(conversation=None, messages=[self.empty_prompt()])
        user_hash = self.identity.hash_user(channel, user_id)
        if not self.limiter.allow(f"{channel}:{user_hash}"):
            logger.info("chat.rate_limited")
            return Turn(conversation=None, messages=[self.rate_limited_text()],
                        rate_limited=True)
        started = time.perf_counter()
        text, was_cut = cut(text or payload or "", self.max_chars)
        sealed = self.identity.seal(reply_address) if reply_address else None
        conv = convs.get_or_create_conversation(session, channel=channel, user_hash=user_hash,
                                                reply_address=sealed)
        out: list[Message | BotMessage] = []
        parsed = parse_payload(payload or text)
        convs.add_message(session, conversation=conv, role=Role.citizen, text=text,
                          payload={"payload": payload} if payload else None,
                          intent=parsed.intent if parsed else None)
        if was_cut:
            out.append(convs.add_message(session, conversation=conv, role=Role.system,
                                         text=wording.message_cut(self.max_chars)))
        session.commit()  # Rasa's actions may call /v1/handoff for this conversation
        if conv.state in AGENT_STATES:
            logger.info("chat.stored_for_agent")
            return Turn(conversation=conv, messages=out)
        return PendingTurn(conv=conv, out=out, text=text, payload=payload,
                           message=payload or text, started=started)

    def finish(self, session: Session, step: PendingTurn, reply: RasaReply | None) -> Turn:
        """Stores Rasa's replies, or the degraded answer when Rasa gave none."""
        conv = step.conv
        replies = self._from_reply(reply)
        mode = "rasa"
        if not replies:
            replies = [self._degraded(session, conv, text=step.text, payload=step.payload)]
            mode = "degraded"
        latency = int((time.perf_counter() - step.started) * 1000)
        out = list(step.out)
        session.refresh(conv)  # an action may have handed the conversation to the queue
        handed_off = conv.state in AGENT_STATES
        for r in replies:
            out.append(convs.add_message(
                session, conversation=conv, role=Role.bot, text=r.text,
                payload={"buttons": r.buttons, "citation": r.citation, "mode": mode,
                         **({"custom": r.custom} if r.custom else {})},
                intent=r.intent, procedure=r.procedure, confidence=r.confidence,
                latency_ms=latency, outcome=outcome_of(r, handed_off=handed_off),
                aspect=r.aspect))
        session.commit()
        session.refresh(conv)
        logger.info("chat.turn mode=%s latency_ms=%d", mode, latency)
        return Turn(conversation=conv, messages=out)

    def _from_reply(self, reply: RasaReply | None) -> list[BotMessage]:
        """Rasa's messages; the action server sends each answer's citation, procedure and
        confidence in a ``custom`` item after its text (``payloads.from_rasa``)."""
        if reply is None or not reply.ok:
            return []
        return from_rasa(reply.messages)

    def _degraded(self, session: Session, conv: Conversation, *, text: str,
                  payload: str | None) -> BotMessage:
        """Answer from retrieval alone (Rasa down, failing or slow) and offer the hotline."""
        last_proc, last_intent = convs.last_bot_context(session, conversation_id=conv.id)
        parsed = parse_payload(payload or text)
        if self.handoff is not None and (
                (parsed is not None and parsed.intent in HUMAN_INTENTS) or wants_human(text)):
            return self._degraded_handoff(session, conv)
        req = AnswerRequest(text=text, procedure_id=last_proc)
        if parsed is not None:
            aspect = INTENT_ASPECT.get(parsed.intent)
            if parsed.intent == "choose_procedure":
                chosen = parsed.entities.get("procedure_id")
                req = AnswerRequest(text="", procedure_id=str(chosen) if chosen else None,
                                    aspect=INTENT_ASPECT.get(last_intent or "", "overview"))  # type: ignore[arg-type]
            else:
                req = AnswerRequest(text="", procedure_id=last_proc, aspect=aspect)  # type: ignore[arg-type]
        vague = (parsed is None and last_proc is not None and self.composer.is_vague(text))
        asked = self.composer.which_aspect(last_proc) if vague and last_proc else None
        if asked is not None:
            answer = asked
        elif req.text or req.procedure_id:
            answer = self.composer.compose(req)
        else:
            answer = self.composer.abstain(req.aspect)
        buttons: list[dict[str, Any]] = [q.model_dump() for q in answer.quick_replies]
        buttons += [{"title": c.name, "payload": c.payload} for c in answer.candidates]
        buttons.append(self._hotline_button())
        if self.handoff is not None:
            buttons.append({"title": wording.ASK_FOR_AGENT, "payload": "/request_human"})
        text = answer.text
        if answer.citation and text.endswith(answer.citation.label):
            body = text[: -len(answer.citation.label)].rstrip("\n")
            text = f"{body}\n{wording.degraded_note(self.hotline)}\n{answer.citation.label}"
        return BotMessage(
            text=text, buttons=buttons,
            citation=answer.citation.model_dump() if answer.citation else None,
            procedure=answer.procedure.id if answer.procedure else None,
            intent=ASPECT_INTENT.get(answer.aspect or "") if answer.procedure else None,
            confidence=answer.confidence,
            outcome=(Outcome.clarified.value if asked is not None
                     else STATUS_OUTCOME.get(answer.status, Outcome.other.value)),
            aspect=answer.aspect)

    def _degraded_handoff(self, session: Session, conv: Conversation) -> BotMessage:
        """Rasa is down and the citizen asks for a person: open the ticket here."""
        assert self.handoff is not None
        ticket = self.handoff(session).request(
            HandoffRequest(conversation_id=conv.id, channel=conv.channel,
                           reason="citizen_request_degraded"), conv=conv)
        logger.info("chat.degraded_handoff ticket=%s", ticket.ticket_id)
        return BotMessage(text=ticket.message, intent="request_human",
                          buttons=[self._hotline_button()], outcome=Outcome.handed_off.value)

    def _hotline_button(self) -> dict[str, Any]:
        return {"title": wording.call_hotline(self.hotline), "url": f"tel:{self.hotline}"}
