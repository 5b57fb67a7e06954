"""Votes: casting them, the open ballots, opening ballots (statements, amendments, proposals,
operating money, chair and vice-chair elections) and the table's own rules."""

from __future__ import annotations

from aiogram import Router

from handlers.filters import IsKnown
from handlers.votes import casting, listing, opening, rules


def create_router() -> Router:
    router = Router(name="votes")
    router.message.filter(IsKnown())
    router.callback_query.filter(IsKnown())
    router.include_routers(
        casting.create_router(),
        listing.create_router(),
        opening.create_router(),
        rules.create_router(),
    )
    return router
