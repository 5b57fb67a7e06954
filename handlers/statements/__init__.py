"""Statements: the request, drafting in versions, amendments, dissent, the final document and
the lists; in the order the conversation goes. The approval vote itself is in handlers.votes."""

from __future__ import annotations

from aiogram import Router

from handlers.filters import IsKnown
from handlers.statements import amendments, drafting, final, listing, request


def create_router() -> Router:
    router = Router(name="statements")
    router.message.filter(IsKnown())
    router.callback_query.filter(IsKnown())
    router.include_routers(
        listing.create_router(),
        request.create_router(),
        drafting.create_router(),
        amendments.create_router(),
        final.create_router(),  # last: its catch-all for non-text answers in a form
    )
    return router
