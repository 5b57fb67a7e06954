"""Every feature's router, in the order they are asked; the catch-all goes last."""

from aiogram import Router

from handlers import (
    announcements,
    fallback,
    groups,
    invites,
    language,
    meetings,
    members,
    reminders,
    start,
    statements,
    votes,
)


def get_routers() -> list[Router]:
    routers = [
        start.router,
        groups.router,
        invites.router,
        members.router,
        language.router,
        meetings.create_router(),
        statements.create_router(),
        votes.create_router(),
        reminders.create_router(),
        announcements.create_router(),
        fallback.router,  # must stay last
    ]
    for router in routers:
        # Routers are module-level; a process that builds a second dispatcher (tests, the demo)
        # must free them from the first. aiogram has no public way to do this.
        router._parent_router = None
    return routers
