"""Outer middlewares: one transaction per update (with dedupe), then who the sender is."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import date
from typing import Any, Protocol, cast

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, Update, User
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.intake import Ticket, person_key
from core.clock import Clock
from core.settings import Settings
from handlers.routing import Refused
from storage.people import Person, access_for, grant_role, person_and_access
from storage.roles import NOBODY, Access, Role
from storage.updates import record, unqueue, waits_for_earlier
from views.language import language_from_telegram

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

# Telegram's stand-in sender for anonymous group admins; it is nobody in particular.
ANONYMOUS_ADMIN_ID = 1087968824
SERVICE_USER_ID = 777000


# Set while answering a press whose text must reach the person some other way if too late.
answer_must_show: ContextVar[bool] = ContextVar("answer_must_show", default=False)

# The session of the update being handled, for the reply guard below.
current_session: ContextVar[AsyncSession | None] = ContextVar("current_session", default=None)


class TransactionMiddleware(BaseMiddleware):
    """One session per update; the update id is recorded in the same transaction as its effects.

    What a person sees must already be true: `CommitBeforeReply` commits the transaction before
    the handler's first reply, and this middleware commits whatever the handler did after it.
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        bot_id = data["bot"].id
        # Set when the update came through the intake queue (bot.intake); then it leaves the
        # queue in this transaction, and the person's updates take effect in update_id order.
        ticket: Ticket | None = data.get("intake_ticket")
        key = person_key(event)
        async with self.sessionmaker() as session:
            if ticket is not None:
                await unqueue(session, bot_id, event.update_id)
            now = self.clock.now()
            if not await record(
                session, bot_id, event.update_id, key, now, in_order=ticket is not None
            ):
                if ticket is not None and await waits_for_earlier(
                    session, bot_id, event.update_id, key
                ):
                    await session.rollback()
                    ticket.deferred = True
                    return None
                await session.commit()
                if ticket is not None:
                    ticket.settled = True
                log.info("update %s delivered again or overtaken; ignored", event.update_id)
                return None
            data["session"] = session
            token = current_session.set(session)
            try:
                result = await handler(event, data)
                await session.commit()
                session.info["committed"] = True
                if ticket is not None:
                    ticket.settled = True
                return result
            except BaseException:
                await session.rollback()
                raise
            finally:
                current_session.reset(token)


class CommitBeforeReply(BaseRequestMiddleware):
    """Bot API calls that show something (anything but get*) first commit the update's work."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        session = current_session.get()
        if session is not None and session.in_transaction() and not _is_read(method):
            await session.commit()
            session.info["committed"] = True
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as error:
            if (
                isinstance(method, AnswerCallbackQuery)
                and not answer_must_show.get()
                and "query is too old" in error.message
            ):
                # A press handled after Telegram stopped waiting (a busy bot, a restart): the
                # work is done and committed; only its toast or alert can no longer be shown.
                # Not an error, or the error handler would tell the person otherwise.
                log.info("a press was answered too late: %s", error.message)
                return cast(Response[TelegramType], True)  # what the call returns when it works
            raise


class UnchangedEditIsDone(BaseRequestMiddleware):
    """An edit to what the message already shows is done, not an error.

    Telegram refuses it ("message is not modified"); a handler that saved its change and then
    re-drew an unchanged card (a double press, a confirmation that changed no text) would
    otherwise tell the person that nothing was saved.
    """

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as error:
            if not method.__api_method__.startswith("edit") or "not modified" not in error.message:
                raise
            return Response[Any](ok=True, result=True)


def _is_read(method: TelegramMethod[Any]) -> bool:
    return method.__api_method__.startswith("get")


def _sender(event: Update, data: dict[str, Any]) -> User | None:
    """The human behind the update, or None for bots, channels and anonymous admins."""
    user: User | None = data.get("event_from_user")
    if user is None or user.is_bot or user.id in (ANONYMOUS_ADMIN_ID, SERVICE_USER_ID):
        return None
    message = event.message or event.edited_message
    if message is not None and message.sender_chat is not None:
        return None
    return user


class PersonMiddleware(BaseMiddleware):
    """Finds (or records) the person and their current roles; both reach handlers as data.

    One statement reads both; the person's row is written only when Telegram shows a change.
    """

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        session: AsyncSession = data["session"]
        user = _sender(event, data)
        person = None
        access = NOBODY
        if user is not None:
            today = self.clock.today(self.settings.zone)
            private = _is_private(data.get("event_chat"))
            is_lead = user.id in self.settings.lead_coordinators
            person, access = await person_and_access(session, user.id, today)
            if person is not None:
                _take_changes(person, user, private)
            elif private or is_lead:
                person = await self._record(session, user, private)
                access = Access(person_id=person.id)
            # Otherwise someone who just chats in a group is not stored (data minimisation;
            # README, "Privacy").
            if person is not None and is_lead and not access.is_lead:
                await self._make_lead(session, person, today)
                access = await access_for(session, person, today)
        data["person"] = person
        data["access"] = access
        return await handler(event, data)

    async def _record(self, session: AsyncSession, user: User, private: bool) -> Person:
        person = Person(
            telegram_id=user.id,
            first_name=user.first_name,
            last_name=user.last_name,
            username=user.username,
            telegram_language=user.language_code,
            private_chat_open=private,
            created_at=self.clock.now(),
        )
        session.add(person)
        await session.flush()
        return person

    async def _make_lead(self, session: AsyncSession, person: Person, today: date) -> None:
        await grant_role(
            session,
            person=person,
            table=None,
            role=Role.LEAD_COORDINATOR,
            starts_on=today,
            ends_on=None,
            actor_id=None,
        )


def _take_changes(person: Person, user: User, private: bool) -> None:
    """What Telegram now shows of the person; an attribute set to its own value would still
    make the row dirty, so only real changes are assigned."""
    seen: dict[str, object] = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "username": user.username,
        "telegram_language": user.language_code,
    }
    if private:
        seen["private_chat_open"] = True
    for name, value in seen.items():
        if getattr(person, name) != value:
            setattr(person, name, value)


def _is_private(chat: Chat | None) -> bool:
    return chat is not None and chat.type == "private"


class FloodCounter(Protocol):
    """A count of each person's updates that several processes share (see bot.shared)."""

    async def count(self, telegram_id: int, window: float) -> int: ...


class FloodGuard(BaseMiddleware):
    """Drops a person's updates beyond `limit` per `window` seconds, and says so once.

    It protects everyone else's turn from one stuck client; ordinary use never comes near it.
    With a shared `counter` the limit holds across replicas, and a person who keeps flooding
    stays dropped until they slow down; without one, this process counts alone, which is all
    a single process needs.
    """

    def __init__(
        self, limit: int, window: float = 10.0, counter: FloodCounter | None = None
    ) -> None:
        self.limit = limit
        self.window = window
        self.counter = counter
        self._seen: dict[int, deque[float]] = {}
        self._warned: set[int] = set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or user.is_bot:
            return await handler(event, data)
        if self.counter is not None:
            count = await self.counter.count(user.id, self.window)
            allowed, warn = count <= self.limit, count == self.limit + 1
        else:
            allowed, warn = self._count_here(user.id)
        if allowed:
            return await handler(event, data)
        log.warning("flood: dropped an update from user %s", user.id)
        if warn:
            await self._warn(event, data)
        return None

    def _count_here(self, user_id: int) -> tuple[bool, bool]:
        """Whether this update may pass, and whether it is the first dropped in a row."""
        now = time.monotonic()
        recent = self._seen.setdefault(user_id, deque())
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if len(recent) < self.limit:
            recent.append(now)
            self._warned.discard(user_id)
            return True, False
        first = user_id not in self._warned
        self._warned.add(user_id)
        return False, first

    async def _warn(self, event: TelegramObject, data: dict[str, Any]) -> None:
        assert isinstance(event, Update)
        i18n = data["i18n"]
        language = language_from_telegram(
            data["event_from_user"].language_code, i18n.default_locale
        )
        with i18n.context(), i18n.use_locale(language):
            text = _("Odota hetki. Tuli monta viestiä nopeasti, joten en käsitellyt kaikkia.")
            if event.callback_query is not None:
                await event.callback_query.answer(text, show_alert=True)
            elif event.message is not None and event.message.chat.type == "private":
                await event.message.answer(text)


class AnswerRefusals(BaseMiddleware):
    """A handler or filter that raised `Refused` changed nothing; tell the person why.

    What the handler and its filters wrote is rolled back to a savepoint taken before them;
    the update's own record (and the sender's, by `PersonMiddleware`) stay, so a refused update
    delivered again is still recognised. A press gets an alert; if the press was already
    answered, a private chat gets the text as a message instead.
    """

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        session: AsyncSession | None = data.get("session")
        savepoint = await session.begin_nested() if session is not None else None
        try:
            result = await handler(event, data)
        except Refused as refusal:
            if savepoint is not None and savepoint.is_active:
                await savepoint.rollback()
            elif session is not None:
                # A reply already committed the update's work; undo only what came after it.
                log.warning("refused after a reply was shown: %s", refusal)
                await session.rollback()
            await _tell(event, str(refusal))
            return None
        if savepoint is not None and savepoint.is_active:
            await savepoint.commit()
        return result


async def _tell(event: TelegramObject, text: str) -> None:
    if isinstance(event, Message):
        await event.answer(text)
        return
    if not isinstance(event, CallbackQuery):
        return
    token = answer_must_show.set(True)
    try:
        await event.answer(text, show_alert=True)
    except TelegramBadRequest as error:
        # Answered before (or too late): the alert cannot be shown any more.
        message = event.message
        if isinstance(message, Message) and message.chat.type == "private":
            await message.answer(text)
        else:
            log.info("refusal not shown to user %s: %s", event.from_user.id, error.message)
    finally:
        answer_must_show.reset(token)
