"""The composed answer (used by Rasa actions, degraded mode and agents) and raw search."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ComposerDep, SearcherDep, ServiceAuth, SettingsDep
from api.errors import ApiError
from api.schemas.answer import AnswerPublic, AnswerRequest, SearchHitPublic, SearchPublic
from api.services.textclean import clean_text

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["knowledge"], dependencies=[ServiceAuth],
                   responses={401: {"description": "Missing or wrong X-Service-Token"}})


class IndexUnavailableError(ApiError):
    status_code = 503
    code = "index_unavailable"


@router.post("/answer", response_model=AnswerPublic)
def answer(req: AnswerRequest, composer: ComposerDep) -> AnswerPublic:
    req = req.model_copy(update={"text": clean_text(req.text)})
    result = composer.compose(req)
    logger.info("answer.composed status=%s aspect=%s procedure=%s", result.status,
                result.aspect, result.procedure.id if result.procedure else None)
    return result


@router.get("/search", response_model=SearchPublic)
def search(
    searcher: SearcherDep,
    settings: SettingsDep,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    top_k: Annotated[int, Query(ge=1, le=50)] = 5,
) -> SearchPublic:
    if searcher is None:
        raise IndexUnavailableError("The search index is not loaded.")
    q = clean_text(q)
    if not q:
        return SearchPublic(query=q, abstain=True, aspect=None, hits=[])
    result = searcher.search(q, top_k=top_k)
    return SearchPublic(query=q, abstain=bool(result.abstain), aspect=result.aspect,
                        hits=[SearchHitPublic(procedure_id=h.procedure_id, name=h.name,
                                              code=h.code, score=float(h.score),
                                              confidence=float(h.confidence))
                              for h in result.hits])
