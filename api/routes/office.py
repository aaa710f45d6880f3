"""The provincial office's dashboard (issue 14): ``/office`` (page), ``/office/plotly.min.js``
(the charting library, served from the ``plotly`` package so the page works offline),
``GET /v1/office/dashboard`` and ``GET /v1/office/export/{table}.{csv|xlsx}``.

Same sign-in as the agent console (``/console/login``); roles ``office`` and ``supervisor``.
"""

from __future__ import annotations

import html
from datetime import date, timedelta
from importlib.resources import files
from typing import Annotated, Any, Literal, Optional

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from api.agents.auth import session_of
from api.deps import OFFICE_ROLES, OfficeAuth, OfficeDep, SessionDep, StateDep
from api.errors import ApiError, NotFoundError
from api.office import drafts, exports
from api.office.analytics import Dashboard, Range, procedure_fields
from api.office.unanswered import encoder_of, group_questions, unanswered_questions
from api.routes.console import SECURITY_HEADERS, _page, _signed_in

pages = APIRouter(prefix="/office", tags=["office"], include_in_schema=False)
router = APIRouter(prefix="/v1/office", tags=["office"], dependencies=[OfficeAuth],
                   responses={401: {"description": "Not signed in"},
                              403: {"description": "Not an office user or supervisor"}})

MAX_DAYS = 3 * 366
CHANNELS = ["web", "zalo", "messenger"]
PLOTLY_JS = files("plotly") / "package_data" / "plotly.min.js"


class BadRangeError(ApiError):
    code = "bad_range"


def parse_range(start: date | None, end: date | None, channel: str | None,
                field: str | None, today: date) -> Range:
    end = end or today
    start = start or end - timedelta(days=29)
    if start > end:
        raise BadRangeError(f"The start date {start} is after the end date {end}.")
    if (end - start).days > MAX_DAYS:
        raise BadRangeError(f"A range covers at most {MAX_DAYS} days.")
    return Range(start=start, end=end, channel=channel or None, field=field or None)


StartQ = Annotated[Optional[date], Query(description="first day (UTC), default: 29 days "
                                                    "before end")]
EndQ = Annotated[Optional[date], Query(description="last day (UTC), inclusive; default today")]
ChannelQ = Annotated[Optional[str], Query(max_length=32)]
FieldQ = Annotated[Optional[str], Query(max_length=200, description="a field (lĩnh vực)")]


def _catalogue(state: StateDep) -> tuple[dict[str, str], dict[str, str]]:
    procedures = state.searcher.procedures if state.searcher is not None else {}
    return procedure_fields(procedures), {pid: p.name for pid, p in procedures.items()}


def dashboard_for(state: StateDep, db: SessionDep, rng: Range) -> Dashboard:
    fields, names = _catalogue(state)
    return Dashboard(db, rng, fields=fields, names=names, now=state.clock())


# -- the page -------------------------------------------------------------------------------
@pages.get("")
def office_page(request: Request, state: StateDep) -> Response:
    row = _signed_in(request, state)
    if row is None:
        return RedirectResponse("/console/login", status_code=303)
    if row.role not in OFFICE_ROLES:
        return Response("This page is for office users and supervisors.", status_code=403,
                        media_type="text/plain", headers=SECURITY_HEADERS)
    return _page("../office/index.html", csrf=html.escape(session_of(request).get("csrf", "")),
                 login=html.escape(row.login), display_name=html.escape(row.display_name),
                 role=html.escape(row.role))


@pages.get("/plotly.min.js", dependencies=[OfficeAuth])
def plotly_js() -> Response:
    return FileResponse(str(PLOTLY_JS), media_type="text/javascript",
                        headers={"Cache-Control": "private, max-age=86400"})


# -- the JSON API ---------------------------------------------------------------------------
@router.get("/dashboard")
def dashboard(state: StateDep, db: SessionDep, _office: OfficeDep, start: StartQ = None,
              end: EndQ = None, channel: ChannelQ = None, field: FieldQ = None) -> dict[str, Any]:
    rng = parse_range(start, end, channel, field, state.clock().date())
    body = dashboard_for(state, db, rng).all()
    fields, _names = _catalogue(state)
    body["filters"] = {"fields": sorted(set(fields.values())),
                       "channels": CHANNELS}
    return body


@router.get("/export/{name}")
def export(name: str, state: StateDep, db: SessionDep, start: StartQ = None, end: EndQ = None,
           channel: ChannelQ = None) -> Response:
    table, _, fmt = name.rpartition(".")
    if table not in exports.TABLES or fmt not in exports.FORMATS:
        raise NotFoundError(f"No export {name!r}: use one of "
                            f"{', '.join(sorted(exports.TABLES))} with .csv or .xlsx.")
    rng = parse_range(start, end, channel, None, state.clock().date())
    filename = f"{table}_{rng.start}_{rng.end}.{fmt}"
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"',
                   "Cache-Control": "no-store"}
    if fmt == "csv":
        return Response("".join(exports.to_csv(exports.rows(db, table, rng))),
                        media_type="text/csv; charset=utf-8", headers=disposition)
    return Response(exports.to_xlsx(exports.rows(db, table, rng), sheet=table),
                    media_type="application/vnd.openxmlformats-officedocument."
                               "spreadsheetml.sheet", headers=disposition)


# -- unanswered questions and catalogue drafts ---------------------------------------------
class DraftCreate(BaseModel):
    kind: Literal["alias", "faq"]
    wording: str = Field(min_length=5, max_length=300)
    procedure: str | None = Field(default=None, max_length=128)
    answer: str | None = Field(default=None, max_length=4000)
    questions: list[str] = Field(default_factory=list, max_length=200)


class DraftPublic(BaseModel):
    path: str
    file: str
    valid: bool
    problems: list[str]


@router.get("/unanswered")
def unanswered(state: StateDep, db: SessionDep, start: StartQ = None, end: EndQ = None,
               channel: ChannelQ = None) -> dict[str, Any]:
    rng = parse_range(start, end, channel, None, state.clock().date())
    encoder = encoder_of(state.searcher)
    groups = group_questions(unanswered_questions(db, rng), encoder,
                             similarity=state.settings.unanswered_similarity)
    procedures = state.searcher.procedures if state.searcher is not None else {}
    out = []
    for g in groups:
        suggested = []
        if state.searcher is not None:
            try:
                hits = state.searcher.search(g.representative, top_k=3).hits
                suggested = [{"id": h.procedure_id, "name": h.name} for h in hits]
            except Exception:  # noqa: BLE001 - a suggestion is optional
                suggested = []
        out.append({"representative": g.representative, "count": g.count,
                    "reasons": dict(g.reasons), "procedures": suggested,
                    "questions": [{"text": t, "count": n} for t, n in g.questions.most_common()]})
    return {"grouping": "embedding" if encoder is not None else "exact wording",
            "groups": out,
            "catalogue": sorted(({"id": pid, "name": p.name} for pid, p in procedures.items()),
                                key=lambda p: p["name"])}


@router.post("/drafts", response_model=DraftPublic, status_code=201)
def create_draft(body: DraftCreate, state: StateDep, office: OfficeDep) -> DraftPublic:
    s = state.settings
    result = drafts.write_draft(
        drafts.DraftRequest(kind=body.kind, wording=body.wording, procedure=body.procedure,
                            answer=body.answer, questions=body.questions, author=office.login),
        knowledge=s.office_knowledge_dir, drafts=s.office_drafts_dir, now=state.clock())
    return DraftPublic(**result.__dict__)


@router.get("/drafts")
def list_drafts(state: StateDep) -> dict[str, Any]:
    return {"drafts": drafts.list_drafts(state.settings.office_drafts_dir)}
