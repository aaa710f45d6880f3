"""``AnswerComposer``: turns a question (plus carried-over procedure) into an ``AnswerPublic``.

Used by ``POST /v1/answer`` (Rasa actions, agents) and by degraded mode when Rasa is down.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date

from indexer.catalog.schema import Procedure, StatusKind
from vntext import fold_lower
from api.schemas.answer import (
    AnswerPublic,
    AnswerRequest,
    Candidate,
    Citation,
    ProcedureRef,
    QuestionForm,
)
from api.services import multi, yesno
from api.services.families import Families, by_level, display_names, families_for
from api.services.question_form import asked_object, question_form
from api.services.render import citation_label, citation_url, vn_date
from api.services.render_details import render
from api.services.replies import (
    ASPECT_INTENT,
    INTENT_ASPECT,
    bare_follow_up,
    choose_payload,
    quick_replies,
)
from api.services.search_port import HitLike, SearcherLike

__all__ = ["ASPECT_INTENT", "INTENT_ASPECT", "AnswerComposer", "ComposerSettings",
           "bare_follow_up", "choose_payload", "quick_replies"]

logger = logging.getLogger(__name__)

CONFIRM_LEAD = ("Em chưa chắc Anh/Chị hỏi về thủ tục nào. Anh/Chị vui lòng chọn đúng thủ tục "
                "bên dưới, hoặc hỏi lại rõ hơn:")

FAMILY_LEAD = "Thủ tục này có nhiều trường hợp. Anh/Chị chọn đúng trường hợp của mình giúp em:"


@dataclass(frozen=True)
class Choice:
    """A clarification choice whose shown name differs from the record's (level added)."""

    procedure_id: str
    name: str
    confidence: float
    code: str | None = None
    score: float = 0.0


@dataclass(frozen=True)
class ComposerSettings:
    hotline: str = "1022"
    top_k: int = 5
    clarify_margin: float = 0.1
    switch_confidence: float = 0.5
    # Below this confidence a new question is not answered outright: the citizen confirms the
    # procedure first (a wrong procedure's answer is worse than one more click). Measured on
    # the outside portal set and the team's fresh set (docs/benchmarks/understanding.md).
    confirm_below: float = 0.75
    # The date a temporary fee is judged against; None: the real date at each answer. Tests
    # set it instead of depending on the real date.
    today: date | None = None


_PROCEDURE_WORDS = re.compile(
    r"(?<![a-z])(thu tuc|ho so|giay|dang ky|cap|xin|gia han|cap lai|cap doi|to khai|le phi|"
    r"chung nhan|chung chi|giay phep|the|so)(?![a-z])")


def asks_about_a_procedure(text: str, aspect: str | None) -> bool:
    """A question about some procedure (an aspect was asked, or procedure words are used),
    not chat: "chào buổi sáng" must not be told that its procedure is not served."""
    return aspect is not None or bool(_PROCEDURE_WORDS.search(fold_lower(text)))


class AnswerComposer:
    def __init__(self, searcher: SearcherLike | None, settings: ComposerSettings) -> None:
        self.searcher = searcher
        self.settings = settings

    # -- fixed texts ------------------------------------------------------------------------
    def unavailable(self, aspect: str | None = None) -> AnswerPublic:
        text = ("Xin lỗi, hệ thống tra cứu thủ tục đang tạm thời gián đoạn. Anh/Chị vui lòng "
                f"thử lại sau ít phút hoặc gọi tổng đài {self.settings.hotline} để được hướng dẫn.")
        return self._empty("abstain", text, aspect)

    def abstain(self, aspect: str | None = None) -> AnswerPublic:
        text = ("Xin lỗi, tôi chưa có thông tin về nội dung này. Anh/Chị vui lòng gọi tổng đài "
                f"{self.settings.hotline} để được cán bộ hướng dẫn.")
        return self._empty("abstain", text, aspect)

    def not_served(self, aspect: str | None = None) -> AnswerPublic:
        """A procedure question whose best match is a portal procedure that this province's
        catalogue does not serve. The matched record is not named: a near miss would be
        named as if it were the citizen's procedure."""
        text = ("Thủ tục Anh/Chị hỏi có thể không thuộc danh mục thủ tục hành chính của tỉnh "
                "mà em đang hỗ trợ, nên em chưa trả lời được. Anh/Chị vui lòng tra cứu trên Cổng "
                "Dịch vụ công quốc gia (dichvucong.gov.vn) hoặc gọi tổng đài "
                f"{self.settings.hotline} để được hướng dẫn.")
        return self._empty("abstain", text, aspect)

    def _empty(self, status: str, text: str, aspect: str | None) -> AnswerPublic:
        return AnswerPublic(status=status, aspect=aspect, procedure=None, text=text,  # type: ignore[arg-type]
                            citation=None, quick_replies=[], candidates=[], confidence=None)

    # -- main entry -------------------------------------------------------------------------
    def compose(self, req: AnswerRequest) -> AnswerPublic:
        form = question_form(req.text)
        answer = self._compose(req, form)
        update: dict[str, object] = {"question_form": form}
        if not answer.procedures and answer.procedure is not None:
            update["procedures"] = [answer.procedure]
        return answer.model_copy(update=update)

    def _compose(self, req: AnswerRequest, form: QuestionForm) -> AnswerPublic:
        if self.searcher is None:
            return self.unavailable(req.aspect)
        hits: list[HitLike] = []
        abstain = True
        guessed_aspect = None
        if req.text:
            result = self.searcher.search(req.text, top_k=self.settings.top_k)
            hits = list(result.hits)
            abstain = bool(result.abstain) or not hits
            guessed_aspect = result.aspect
        else:
            result = None
        aspect = req.aspect or guessed_aspect or self._default_aspect(req.text, form)
        carried = self._known(req.procedure_id)
        if req.text and not bare_follow_up(req.text):
            several = self._several(req.text, hits, abstain, aspect)
            if several is not None:
                return several

        if carried is not None:
            others = ([] if abstain or bare_follow_up(req.text)
                      else self._named_others(hits, carried.id))
            if len(others) > 1 and not self._one_family(others):  # names another, not which
                return self._clarify(others, aspect)
            if others:
                return self._answer(self._proc(others[0].procedure_id), aspect,
                                    others[0].confidence, text=req.text, form=form, hits=hits)
            conf = next((h.confidence for h in hits if h.procedure_id == carried.id), 1.0)
            return self._answer(carried, aspect, conf, text=req.text, form=form)
        faq = self._faq(result) if req.text else None
        if faq is not None:
            return faq
        if abstain:
            if (getattr(result, "not_served", None) is not None
                    and asks_about_a_procedure(req.text, guessed_aspect)):
                return self.not_served(req.aspect or guessed_aspect)
            return self.abstain(req.aspect or guessed_aspect)
        close = self._close_hits(hits)
        if len(close) > 1 and not self._one_family(close):
            return self._clarify(close, aspect)
        members = self._fitting_members(req.text, close)
        if len(members) > 1:  # one family, and the text fits several members: which one?
            return self._clarify(members, aspect, lead=FAMILY_LEAD)
        if hits[0].confidence < self.settings.confirm_below:
            return self._clarify(self._unique(hits)[:3], aspect, lead=CONFIRM_LEAD)
        return self._answer(self._proc(hits[0].procedure_id), aspect, hits[0].confidence,
                            text=req.text, form=form, hits=hits)

    @staticmethod
    def _unique(hits: list[HitLike]) -> list[HitLike]:
        seen: dict[str, HitLike] = {}
        for h in hits:
            seen.setdefault(h.procedure_id, h)
        return list(seen.values())

    @staticmethod
    def _default_aspect(text: str, form: QuestionForm) -> str:
        """No aspect cue: "có cần <X> không" asks about a document, anything else is overview."""
        return "documents" if form == "yes_no" and asked_object(text) else "overview"

    # -- helpers ----------------------------------------------------------------------------
    def _proc(self, procedure_id: str) -> Procedure:
        assert self.searcher is not None
        return self.searcher.procedure(procedure_id)

    def _known(self, procedure_id: str | None) -> Procedure | None:
        if not procedure_id or self.searcher is None:
            return None
        try:
            return self.searcher.procedure(procedure_id)
        except (KeyError, LookupError):
            logger.info("answer.unknown_procedure_id")
            return None
        except Exception as exc:  # noqa: BLE001 - the real Searcher may raise its own error type
            logger.info("answer.unknown_procedure_id: %s", type(exc).__name__)
            return None

    def _faq(self, result: object) -> AnswerPublic | None:
        """A general question that the FAQ answers better than any procedure (real Searcher)."""
        hit = getattr(result, "faq_answer", None)
        if hit is None or self.searcher is None or not hasattr(self.searcher, "faq"):
            return None
        try:
            entry = self.searcher.faq(hit.faq_id)
        except Exception:  # noqa: BLE001 - fall back to the procedure answer
            return None
        label = f"Nguồn: {entry.source.reference}"
        return AnswerPublic(status="answer", aspect=None, procedure=None,
                            text=f"{entry.answer}\n{label}",
                            citation=Citation(label=label, url=entry.source.url),
                            quick_replies=[], candidates=[], confidence=hit.confidence)

    def _close_hits(self, hits: list[HitLike]) -> list[HitLike]:
        seen: dict[str, HitLike] = {}
        for h in hits:
            seen.setdefault(h.procedure_id, h)
        unique = list(seen.values())
        top = unique[0].confidence
        return [h for h in unique[:3] if top - h.confidence < self.settings.clarify_margin]

    def _named_others(self, hits: list[HitLike], current_id: str) -> list[HitLike]:
        """The procedures other than ``current_id`` that the text names ([] if none).

        One hit means switch to it; several close together mean the text names another
        procedure without saying which, so the citizen is asked rather than answered about the
        procedure of the previous question.
        """
        if not hits or hits[0].procedure_id == current_id:
            return []
        if hits[0].confidence < self.settings.switch_confidence:
            return []
        close = self._close_hits(hits)
        return [] if any(h.procedure_id == current_id for h in close) else close

    def _families(self) -> Families | None:
        return families_for(self.searcher)

    def _same_family(self, a: str, b: str) -> bool:
        families = self._families()
        return families is not None and families.related(a, b)

    def _one_family(self, hits: list[HitLike]) -> bool:
        return all(self._same_family(hits[0].procedure_id, h.procedure_id) for h in hits[1:])

    def _several(self, text: str, hits: list[HitLike], abstain: bool,
                 aspect: str) -> AnswerPublic | None:
        """Two procedures named in one question: both answered; more than two: ask."""
        assert self.searcher is not None
        parts = multi.split_parts(text)
        if not parts:
            return None
        if not abstain and hits and hits[0].confidence >= self.settings.switch_confidence:
            if multi.covers(self._proc(hits[0].procedure_id).all_names(), parts):
                return None
        found = multi.confident_parts(
            self.searcher, parts, top_k=self.settings.top_k,
            # Each part is answered outright, so each must clear the same bar as one question.
            min_confidence=max(self.settings.switch_confidence, self.settings.confirm_below),
            margin=self.settings.clarify_margin, same_family=self._same_family)
        distinct = list({p.hit.procedure_id: p.hit for p in found}.values())
        if len(distinct) < 2:
            return None
        if len(distinct) > 2:
            return self._clarify(distinct, aspect,
                                 lead="Anh/Chị hỏi về nhiều thủ tục; Anh/Chị chọn từng thủ tục:")
        return multi.joined([self._answer(self._proc(h.procedure_id), aspect, h.confidence)
                             for h in distinct], quick_replies(aspect))

    def is_vague(self, text: str) -> bool:
        """The text names neither a procedure nor an aspect (e.g. "vâng", "cảm ơn")."""
        if self.searcher is None or not text:
            return False
        result = self.searcher.search(text, top_k=self.settings.top_k)
        return bool(result.abstain) and result.aspect is None

    def which_aspect(self, procedure_id: str) -> AnswerPublic | None:
        """Degraded mode's reply to a vague follow-up: ask what to tell about the procedure."""
        proc = self._known(procedure_id)
        if proc is None:
            return None
        return AnswerPublic(
            status="clarify", aspect=None,
            procedure=ProcedureRef(id=proc.id, code=proc.code, name=proc.name),
            text=f"Anh/Chị muốn biết thêm thông tin gì về thủ tục {proc.name}?",
            citation=None, quick_replies=quick_replies(None), candidates=[], confidence=None)

    def _fitting_members(self, text: str, close: list[HitLike]) -> list[HitLike]:
        """Close hits of one family that the text fits, the level nearest the citizen first,
        a shared name told apart by its level ("… (cấp xã)")."""
        families = self._families()
        if len(close) < 2 or families is None:
            return []
        fit = set(families.fitting(text, [h.procedure_id for h in close]))
        if len(fit) < 2:
            return []
        procs = by_level(self._proc(h.procedure_id) for h in close if h.procedure_id in fit)
        names = display_names(procs)
        confidence = {h.procedure_id: h.confidence for h in close}
        return [Choice(p.id, names[p.id], confidence[p.id]) for p in procs]

    def _clarify(self, hits: list[HitLike], aspect: str,
                 lead: str = "Anh/Chị hỏi về thủ tục nào?") -> AnswerPublic:
        names = "\n".join(f"{i}. {h.name}" for i, h in enumerate(hits, 1))
        return AnswerPublic(
            status="clarify", aspect=aspect, procedure=None,  # type: ignore[arg-type]
            text=f"{lead}\n{names}",
            citation=None, quick_replies=[],
            candidates=[Candidate(id=h.procedure_id, name=h.name,
                                  payload=choose_payload(h.procedure_id)) for h in hits],
            confidence=hits[0].confidence,
        )

    def _answer(self, proc: Procedure, aspect: str, confidence: float | None, *,
                text: str = "", form: QuestionForm = "statement",
                hits: list[HitLike] | None = None) -> AnswerPublic:
        """``hits`` is given when the procedure was found by this turn's search: its family's
        other variants are then offered, and named when the text did not say which one."""
        ref = ProcedureRef(id=proc.id, code=proc.code, name=proc.name)
        label = citation_label(proc)
        citation = Citation(label=label, url=citation_url(proc))
        if proc.status.state is StatusKind.abolished:
            return self._abolished(proc, ref, citation, aspect, confidence)
        day = self.settings.today or date.today()
        body = render(aspect, proc, self.settings.hotline, today=day)
        siblings, named = self._variants(proc, text, hits)
        verdict = None
        if form == "yes_no":  # the verdict's reason names the procedure: no variant sentence
            decided = yesno.decide(proc, aspect, text, self.settings.hotline, today=day)
            body, verdict = f"{decided.lead}\n{body}", decided.value
        elif siblings and not named:
            body = f"Em trả lời theo thủ tục: {proc.name}.\n{body}"
        return AnswerPublic(status="answer", aspect=aspect, procedure=ref,  # type: ignore[arg-type]
                            text=f"{body}\n{label}", citation=citation,
                            quick_replies=quick_replies(aspect),
                            candidates=[Candidate(id=p.id, name=p.name,
                                                  payload=choose_payload(p.id)) for p in siblings],
                            confidence=confidence, verdict=verdict)

    def _variants(self, proc: Procedure, text: str,
                  hits: list[HitLike] | None) -> tuple[list[Procedure], bool]:
        """(the other variants to offer, whether the text names this one)."""
        families = self._families() if hits is not None else None
        if families is None:
            return [], True
        siblings = families.siblings(proc.id, prefer=[h.procedure_id for h in hits or []])
        return siblings, families.names_variant(text, proc.id)

    def _abolished(self, proc: Procedure, ref: ProcedureRef, citation: Citation, aspect: str,
                   confidence: float | None) -> AnswerPublic:
        when = vn_date(proc.status.effective_date) if proc.status.effective_date else ""
        text = f"Thủ tục {proc.name} đã bị bãi bỏ từ ngày {when}."
        replacements = [p for p in (self._known(i) for i in proc.status.replaced_by) if p]
        if replacements:
            text += " Thủ tục thay thế: " + "; ".join(p.name for p in replacements) + "."
        else:
            text += (f" Anh/Chị vui lòng gọi tổng đài {self.settings.hotline} để biết thủ tục "
                     "đang áp dụng.")
        if proc.status.note:
            text += f" {proc.status.note}"
        return AnswerPublic(
            status="abolished", aspect=aspect, procedure=ref,  # type: ignore[arg-type]
            text=f"{text}\n{citation.label}", citation=citation, quick_replies=[],
            candidates=[Candidate(id=p.id, name=p.name, payload=choose_payload(p.id))
                        for p in replacements],
            confidence=confidence,
        )
