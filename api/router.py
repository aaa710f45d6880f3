"""Wires every route module into one router (the only place that knows them all)."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import (
    admin,
    agent,
    assist,
    callbacks,
    console,
    dossiers,
    handoff,
    health,
    knowledge,
    messenger,
    pages,
    office,
    supervisor,
    web_chat,
    zalo,
)

api_router = APIRouter()
for module in (health, pages, knowledge, web_chat, zalo, messenger, handoff, agent, assist,
               supervisor, console, admin, dossiers, office):
    api_router.include_router(module.router)
for router in callbacks.routers:
    api_router.include_router(router)
api_router.include_router(office.pages)
