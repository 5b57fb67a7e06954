"""Every feature's router, in the order they are asked; the catch-all goes last.

Each feature builds fresh routers, so every dispatcher (production, each test, the demo) gets
its own. Presses skip the routers that cannot take them (`routing.gate_presses`).
"""

from aiogram import Router

from handlers import (
    announcements,
    fallback,
    groups,
    invites,
    language,
    meetings,
    members,
    mydata,
    reminders,
    start,
    statements,
    votes,
)
from handlers.routing import gate_presses


def get_routers() -> list[Router]:
    routers = [
        start.create_router(),
        groups.create_router(),
        invites.create_router(),
        members.create_router(),
        mydata.create_router(),
        language.create_router(),
        meetings.create_router(),
        statements.create_router(),
        votes.create_router(),
        reminders.create_router(),
        announcements.create_router(),
        fallback.create_router(),  # must stay last
    ]
    for router in routers:
        gate_presses(router)
    return routers
