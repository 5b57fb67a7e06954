"""The intake queue: one person's updates in update_id order, bounded handlers, late answers."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery, TelegramMethod
from aiogram.types import CallbackQuery, Chat, Message, Update, User
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import report_error
from bot.i18n import create_i18n
from bot.intake import Intake, as_sent
from bot.middlewares import CommitBeforeReply, TransactionMiddleware
from core.clock import Clock
from storage.db import create_engine, create_sessionmaker
from storage.people import Person
from storage.updates import QueuedUpdate, enqueue, record, waits_for_earlier
from tests.unit.test_routing import NOW, TOO_OLD, StandInTelegram

PEOPLE = 20
PRESSES = 6  # per person


@pytest.fixture
async def sessionmaker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


def press(update_id: int, user_id: int, data: str) -> Update:
    user = User(id=user_id, is_bot=False, first_name=f"Jäsen {user_id}", language_code="fi")
    chat = Chat(id=user_id, type="private")
    message = Message(message_id=7, date=NOW, chat=chat, text="Äänestys")
    query = CallbackQuery(
        id=f"q{update_id}", from_user=user, chat_instance="c", data=data, message=message
    )
    return Update(update_id=update_id, callback_query=query)


async def test_each_persons_updates_take_effect_in_order_with_bounded_handlers(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Presses of many people, each person's a few ms apart and handled at uneven speeds."""
    applied: dict[int, list[int]] = defaultdict(list)
    running = peak = 0
    rng = random.Random(11)
    router = Router()

    @router.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(rng.uniform(0, 0.01))
        applied[query.from_user.id].append(int(query.data or 0))
        running -= 1

    dispatcher = Dispatcher()
    dispatcher.update.outer_middleware(TransactionMiddleware(sessionmaker, Clock()))
    dispatcher.include_router(router)
    bot = Bot("42:TEST", session=StandInTelegram())
    intake = Intake(dispatcher, bot, sessionmaker, Clock(), slots=4, rescan=0.2)
    updates: list[Update] = []
    for _ in range(PRESSES):
        for user_id in range(1, PEOPLE + 1):
            update_id = len(updates) + 1
            updates.append(press(update_id, user_id, str(update_id)))
    handling = asyncio.create_task(intake.run())
    for start in range(0, len(updates), 7):  # arriving in small batches, as from getUpdates
        await intake.put(updates[start : start + 7])
    await asyncio.wait_for(intake.idle(), 60)
    await intake.stop()
    await handling

    out_of_order = [u for u, ids in applied.items() if ids != sorted(ids)]
    print(f"\n{len(updates)} presses of {PEOPLE} people: {len(out_of_order)} out of order")
    assert out_of_order == []
    assert sum(len(ids) for ids in applied.values()) == len(updates)  # each once
    assert peak <= 4


async def test_an_older_update_never_overrides_a_newer_one(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    now = datetime.now(UTC)
    async with sessionmaker() as session, session.begin():
        assert await record(session, 1, 10, 5, now, in_order=True)
    async with sessionmaker() as session, session.begin():
        # The same update again, and an older one of the same person arriving late: no effect.
        assert not await record(session, 1, 10, 5, now, in_order=True)
        assert not await record(session, 1, 9, 5, now, in_order=True)
        # Someone else's older update is not held back.
        assert await record(session, 1, 8, 6, now, in_order=True)
    async with sessionmaker() as session, session.begin():
        from storage.updates import Queued

        await enqueue(session, 1, [Queued(11, 5, "{}"), Queued(12, 5, "{}")], now)
    async with sessionmaker() as session, session.begin():
        # 12 waits while 11 (the same person's) is still queued.
        assert not await record(session, 1, 12, 5, now, in_order=True)
        assert await waits_for_earlier(session, 1, 12, 5)
        assert not await waits_for_earlier(session, 1, 11, 5)
        await enqueue(session, 1, [Queued(11, 5, "{}")], now)  # delivered again: one row
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(QueuedUpdate)) == 2


class TooLate(StandInTelegram):
    """Every press is answered after Telegram's deadline."""

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: Any = None,  # noqa: ASYNC109
    ) -> Any:
        if isinstance(method, AnswerCallbackQuery):
            self.calls.append(method)
            raise TelegramBadRequest(method=method, message=TOO_OLD)
        return await super().make_request(bot, method, timeout)


@pytest.mark.parametrize("case", ["toast", "alert", "fails after"])
async def test_a_late_answer_never_says_a_saved_change_was_not_saved(
    sessionmaker: async_sessionmaker[AsyncSession], case: str
) -> None:
    router = Router()

    @router.callback_query(F.data == "vote")
    async def vote(query: CallbackQuery, session: AsyncSession) -> None:
        session.add(Person(first_name="Äänestäjä", private_chat_open=True, created_at=NOW))
        await query.answer("Äänesi on tallennettu: Kannatan.", show_alert=case != "toast")
        if case == "fails after":
            raise RuntimeError("the edit after the answer failed")

    telegram = TooLate()
    bot = Bot("42:TEST", session=telegram)
    bot.session.middleware(CommitBeforeReply())
    dispatcher = Dispatcher(i18n=create_i18n("fi"))
    dispatcher.update.outer_middleware(TransactionMiddleware(sessionmaker, Clock()))
    dispatcher.include_router(router)
    dispatcher.errors.register(report_error)
    await dispatcher.feed_update(bot, press(1, 5, "vote"))

    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) == 1
    told = [m.text for m in telegram.messages()]
    # An answer too late to show is let go; a failure after the work was committed does not
    # deny it.
    assert told == (
        ["Jokin meni vikaan. Tekemäsi muutos on kuitenkin tallennettu. Katso /valikko."]
        if case == "fails after"
        else []
    )


def test_an_update_is_queued_as_telegram_sent_it() -> None:
    # A press on a message sent without link previews (aiogram fills the options left out with
    # placeholders that have no JSON form), and the bot added to a group (a member's status
    # is what tells its kind): the queued copy reads back the same.
    raw = press(3, 5, "v:1:agree").model_dump(by_alias=True, exclude_none=True)
    raw["callback_query"]["message"]["link_preview_options"] = {"is_disabled": True}
    bot_user = {"id": 42, "is_bot": True, "first_name": "Pöytäbotti"}
    added = {
        "update_id": 4,
        "my_chat_member": {
            "chat": {"id": -4, "type": "group", "title": "Pöytä"},
            "from": {"id": 5, "is_bot": False, "first_name": "Matti"},
            "date": 1700000000,
            "old_chat_member": {"status": "left", "user": bot_user},
            "new_chat_member": {"status": "member", "user": bot_user},
        },
    }
    for sent in (raw, added):
        update = Update.model_validate(sent)
        assert Update.model_validate_json(as_sent(update)) == update
