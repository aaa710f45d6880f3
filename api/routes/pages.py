"""The demo page at ``/``: a mock provincial portal page with the chat widget."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(prefix="", tags=["pages"])

DEMO = Path(__file__).resolve().parents[1] / "static" / "demo.html"


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def demo_page() -> HTMLResponse:
    return HTMLResponse(DEMO.read_text(encoding="utf-8"))
