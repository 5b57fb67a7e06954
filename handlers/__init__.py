"""Every feature's router, in the order they are asked; the catch-all goes last."""

from aiogram import Router

from handlers import fallback, groups, invites, language, members, reminders, start


def get_routers() -> list[Router]:
    return [
        start.router,
        groups.router,
        invites.router,
        members.router,
        language.router,
        reminders.router,
        fallback.router,  # must stay last
    ]
