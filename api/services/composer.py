"""``AnswerComposer``: turns a question (plus carried-over procedure) into an ``AnswerPublic``.

Used by ``POST /v1/answer`` (Rasa actions, agents) and by degraded mode when Rasa is down.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import dataclass

from indexer.catalog.schema import Procedure, StatusKind
from api.schemas.answer import (
    AnswerPublic,
    AnswerRequest,
    Candidate,
    Citation,
    ProcedureRef,
    QuickReply,
)
from api.services.render import citation_label, citation_url, vn_date
from api.services.render_details import RENDERERS
from api.services.search_port import HitLike, SearcherLike

logger = logging.getLogger(__name__)

QUICK_REPLIES = [
    ("documents", "Giấy tờ", "/ask_documents"),
    ("time", "Thời hạn", "/ask_processing_time"),
    ("fee", "Lệ phí", "/ask_fee"),
    ("place", "Nộp ở đâu", "/ask_place"),
    ("online", "Nộp trực tuyến", "/ask_online"),
]
INTENT_ASPECT = {
    "ask_documents": "documents", "ask_processing_time": "time", "ask_fee": "fee",
    "ask_place": "place", "ask_steps": "steps", "ask_online": "online",
    "ask_conditions": "conditions", "ask_procedure": "overview",
    "ask_deadline": "deadline", "ask_validity": "validity", "ask_result": "result",
    "ask_who": "who", "ask_form": "forms",
}
ASPECT_INTENT = {v: k for k, v in INTENT_ASPECT.items()}


# Words of a bare follow-up ("thế còn lệ phí bao nhiêu?"), accents removed. A text made only of
# these does not name a procedure, whatever the search engine's confidence.
_FOLLOW_UP_WORDS = set("""
le phi bao nhieu tien thoi han mat may ngay lau gio giay to ho so can gi nhung nop o dau noi
truc tuyen online qua mang buu chinh the con thi sao vay a ah nhe khong co duoc la lam nao
cho toi hoi xin minh em anh chi ban oi va nua tiep the nao phai mien khi nhan ket qua o
""".split())


def bare_follow_up(text: str) -> bool:
    folded = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
    words = re.findall(r"[a-z0-9]+", "".join(c for c in folded
                                             if unicodedata.category(c) != "Mn"))
    return len([w for w in words if w not in _FOLLOW_UP_WORDS]) == 0


def choose_payload(procedure_id: str) -> str:
    return "/choose_procedure" + json.dumps({"procedure_id": procedure_id},
                                            separators=(",", ":"))


def quick_replies(aspect: str | None) -> list[QuickReply]:
    return [QuickReply(title=t, payload=p) for a, t, p in QUICK_REPLIES if a != aspect]


@dataclass(frozen=True)
class ComposerSettings:
    hotline: str = "1022"
    top_k: int = 5
    clarify_margin: float = 0.1
    switch_confidence: float = 0.5


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

    def _empty(self, status: str, text: str, aspect: str | None) -> AnswerPublic:
        return AnswerPublic(status=status, aspect=aspect, procedure=None, text=text,  # type: ignore[arg-type]
                            citation=None, quick_replies=[], candidates=[], confidence=None)

    # -- main entry -------------------------------------------------------------------------
    def compose(self, req: AnswerRequest) -> AnswerPublic:
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
        aspect = req.aspect or guessed_aspect or "overview"
        carried = self._known(req.procedure_id)

        if carried is not None:
            others = ([] if abstain or bare_follow_up(req.text)
                      else self._named_others(hits, carried.id))
            if len(others) == 1:
                return self._answer(self._proc(others[0].procedure_id), aspect,
                                    others[0].confidence)
            if len(others) > 1:  # names another procedure, but not which one: ask
                return self._clarify(others, aspect)
            conf = next((h.confidence for h in hits if h.procedure_id == carried.id), 1.0)
            return self._answer(carried, aspect, conf)
        faq = self._faq(result) if req.text else None
        if faq is not None:
            return faq
        if abstain:
            return self.abstain(req.aspect or guessed_aspect)
        close = self._close_hits(hits)
        if len(close) > 1:
            return self._clarify(close, aspect)
        return self._answer(self._proc(hits[0].procedure_id), aspect, hits[0].confidence)

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

    def _clarify(self, hits: list[HitLike], aspect: str) -> AnswerPublic:
        names = "\n".join(f"{i}. {h.name}" for i, h in enumerate(hits, 1))
        return AnswerPublic(
            status="clarify", aspect=aspect, procedure=None,
            text=f"Anh/Chị hỏi về thủ tục nào?\n{names}",
            citation=None, quick_replies=[],
            candidates=[Candidate(id=h.procedure_id, name=h.name,
                                  payload=choose_payload(h.procedure_id)) for h in hits],
            confidence=hits[0].confidence,
        )

    def _answer(self, proc: Procedure, aspect: str, confidence: float | None) -> AnswerPublic:
        ref = ProcedureRef(id=proc.id, code=proc.code, name=proc.name)
        label = citation_label(proc)
        citation = Citation(label=label, url=citation_url(proc))
        if proc.status.state is StatusKind.abolished:
            return self._abolished(proc, ref, citation, aspect, confidence)
        body = RENDERERS[aspect](proc, self.settings.hotline)
        return AnswerPublic(status="answer", aspect=aspect, procedure=ref,  # type: ignore[arg-type]
                            text=f"{body}\n{label}", citation=citation,
                            quick_replies=quick_replies(aspect), candidates=[],
                            confidence=confidence)

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
