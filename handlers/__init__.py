"""Every feature's router, in the order they are asked; the catch-all goes last."""

from aiogram import Router

from handlers import (
    agenda,
    announcements,
    fallback,
    groups,
    invites,
    language,
    meeting_poll,
    meetings,
    members,
    minutes,
    reminders,
    start,
    statements,
    votes,
)


def get_routers() -> list[Router]:
    routers = [
        start.create_router(),
        groups.create_router(),
        invites.create_router(),
        members.create_router(),
        language.create_router(),
        meetings.router,
        meeting_poll.router,
        agenda.router,
        minutes.router,
        statements.router,
        votes.router,
        reminders.router,
        announcements.router,
        fallback.create_router(),  # must stay last
    ]
    for router in routers:
        # Routers are module-level; a process that builds a second dispatcher (tests, the demo)
        # must free them from the first. aiogram has no public way to do this.
        router._parent_router = None
    return routers
