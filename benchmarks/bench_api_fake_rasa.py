"""A stand-in for Rasa + action server, for benchmarks only: ``/webhooks/rest/webhook`` calls
the API's ``/v1/answer`` (as the real action server does) and answers in Rasa's REST format.

Run: ``python -m uvicorn --factory benchmarks.bench_api_fake_rasa:build --port 5005``
with ``BENCH_API_URL`` pointing at the API.
"""

from __future__ import annotations

import json
import os
import re

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

INTENT_ASPECT = {"ask_documents": "documents", "ask_processing_time": "time", "ask_fee": "fee",
                 "ask_place": "place", "ask_online": "online"}
PAYLOAD = re.compile(r"^/(\w+)(\{.*\})?$")


def build() -> Starlette:
    api = httpx.AsyncClient(base_url=os.environ.get("BENCH_API_URL", "http://127.0.0.1:8000"),
                            timeout=10,  # the API's service token, as the action server sends it
                            headers={"X-Service-Token": os.environ.get("API_SERVICE_TOKEN", "")})
    slots: dict[str, str] = {}  # sender -> procedure_id (the real bot keeps this in a slot)

    async def webhook(request: Request) -> JSONResponse:
        body = await request.json()
        sender, text = body["sender"], body.get("message", "")
        req: dict[str, object] = {"text": text, "procedure_id": slots.get(sender)}
        m = PAYLOAD.match(text)
        if m:
            extra = json.loads(m.group(2)) if m.group(2) else {}
            req = {"text": "", "aspect": INTENT_ASPECT.get(m.group(1)),
                   "procedure_id": extra.get("procedure_id") or slots.get(sender)}
        a = (await api.post("/v1/answer", json=req)).json()
        if a.get("procedure"):
            slots[sender] = a["procedure"]["id"]
        buttons = a["quick_replies"] + [{"title": c["name"], "payload": c["payload"]}
                                        for c in a["candidates"]]
        return JSONResponse([
            {"recipient_id": sender, "text": a["text"], "buttons": buttons},
            {"recipient_id": sender, "custom": {"citation": a["citation"],
                                                "procedure": a["procedure"],
                                                "confidence": a["confidence"]}},
        ])

    async def root(_: Request) -> PlainTextResponse:
        return PlainTextResponse("Hello from fake Rasa")

    return Starlette(routes=[Route("/webhooks/rest/webhook", webhook, methods=["POST"]),
                             Route("/", root)])
