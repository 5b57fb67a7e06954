"""Meetings: browsing, the time poll (made, answered, closed), the confirmed meeting (RSVP, move,
cancel), its agenda and its minutes."""

from aiogram import Router

from handlers.meetings import (
    agenda,
    changes,
    listing,
    minutes,
    new_poll,
    poll,
    poll_times,
    proposals,
)


def create_router() -> Router:
    router = Router(name="meetings")
    router.include_routers(
        listing.create_router(),
        poll.create_router(),
        changes.create_router(),
        new_poll.create_router(),
        poll_times.create_router(),
        proposals.create_router(),
        agenda.create_router(),
        minutes.create_router(),
    )
    return router
