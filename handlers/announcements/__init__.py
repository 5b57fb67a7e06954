"""/announce (/tiedote): write, pick the audience, preview, send now or later; acks, replies,
and /email, how each person wants to get them."""

from aiogram import Router

from handlers.announcements import acks, compose, email, replies, sending


def create_router() -> Router:
    router = Router(name="announcements")
    router.include_routers(
        compose.create_router(),
        sending.create_router(),
        acks.create_router(),
        replies.create_router(),
        email.create_router(),
    )
    return router
