"""Every feature's router, in the order they are asked; the catch-all goes last."""

from aiogram import Router

from handlers import (
    agenda,
    fallback,
    groups,
    invites,
    language,
    meeting_poll,
    meetings,
    members,
    minutes,
    start,
)


def get_routers() -> list[Router]:
    return [
        start.router,
        groups.router,
        invites.router,
        members.router,
        language.router,
        meetings.router,
        meeting_poll.router,
        agenda.router,
        minutes.router,
        fallback.router,  # must stay last
    ]
