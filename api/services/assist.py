"""Agent assist: up to three answers composed from the catalogue for a citizen's question,
each with the procedure, the aspect, the citation and the search confidence.

The agent puts one into the console's composer and edits it before sending; nothing here is
sent to the citizen. Answers come from ``AnswerComposer`` (the same text the bot would give
for that procedure and aspect), so the facts are the catalogue's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from api.db.models import Message, Role
from api.schemas.answer import AnswerRequest, Citation, ProcedureRef
from api.services.composer import AnswerComposer
from api.services.asking_for_a_person import wants_human
from api.services.search_port import SearcherLike

MAX_SUGGESTIONS = 3
LOOK_BACK = 4  # citizen messages tried, newest first, until one finds procedures


class SuggestionPublic(BaseModel):
    procedure: ProcedureRef
    aspect: str
    text: str
    citation: Citation | None
    confidence: float


class SuggestionsPublic(BaseModel):
    question: str | None
    suggestions: list[SuggestionPublic]


@dataclass
class AgentAssist:
    composer: AnswerComposer
    searcher: SearcherLike | None

    def for_text(self, question: str) -> SuggestionsPublic:
        question = question.strip()
        if not question or self.searcher is None:
            return SuggestionsPublic(question=question or None, suggestions=[])
        result = self.searcher.search(question, top_k=max(5, MAX_SUGGESTIONS * 2))
        if result.abstain:
            return SuggestionsPublic(question=question, suggestions=[])
        aspect = result.aspect or "overview"
        seen: set[str] = set()
        out: list[SuggestionPublic] = []
        for hit in result.hits:
            if hit.procedure_id in seen:
                continue
            seen.add(hit.procedure_id)
            answer = self.composer.compose(AnswerRequest(
                text="", aspect=aspect, procedure_id=hit.procedure_id))  # type: ignore[arg-type]
            if answer.status not in {"answer", "abolished"} or answer.procedure is None:
                continue
            out.append(SuggestionPublic(procedure=answer.procedure, aspect=answer.aspect or aspect,
                                        text=answer.text, citation=answer.citation,
                                        confidence=round(float(hit.confidence), 3)))
            if len(out) == MAX_SUGGESTIONS:
                break
        return SuggestionsPublic(question=question, suggestions=out)

    def for_conversation(self, messages: Sequence[Message]) -> SuggestionsPublic:
        """For the citizen's last question; earlier ones when it finds nothing (the last
        message is often "cho tôi gặp cán bộ")."""
        asked = [m.text for m in messages
                 if m.role == Role.citizen.value and m.text and not m.text.startswith("/")
                 and not wants_human(m.text)]
        first: SuggestionsPublic | None = None
        for text in list(reversed(asked))[:LOOK_BACK]:
            found = self.for_text(text)
            first = first or found
            if found.suggestions:
                return found
        return first or SuggestionsPublic(question=None, suggestions=[])
