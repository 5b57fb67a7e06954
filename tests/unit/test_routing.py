"""The routing helpers and refusals, driven through a real dispatcher with a stand-in Telegram."""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.base import BaseSession
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod
from aiogram.types import (
    CallbackQuery,
    Chat,
    InaccessibleMessage,
    Message,
    Update,
    User,
)
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import PoCatalogI18n, create_i18n
from bot.middlewares import AnswerRefusals, CommitBeforeReply, TransactionMiddleware
from core.clock import Clock
from core.settings import LANGUAGES
from handlers import get_routers
from handlers.routing import (
    PressFor,
    Refused,
    command,
    command_or_menu,
    gate_presses,
    message_of,
)
from storage.db import create_engine, create_sessionmaker
from storage.people import Person
from storage.updates import ProcessedUpdate
from views.callbacks import Menu, MenuItem
from views.common import NOT_ALLOWED, STALE_BUTTON
from views.groups import LinkGroup
from views.invites import Invitee, InviteRole, InviteTable
from views.language import Language, PickLanguage

NOW = datetime(2026, 1, 14, 12, 0, tzinfo=UTC)
PERSON = User(id=5, is_bot=False, first_name="Matti", language_code="fi")
PRIVATE = Chat(id=5, type="private")
GROUP = Chat(id=-100, type="supergroup", title="Pöytä")
TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class StandInTelegram(BaseSession):
    """Answers the calls these tests make as Telegram does, and remembers them.

    Like Telegram, it refuses a second answer to the same press.
    """

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[TelegramMethod[Any]] = []
        self._answered: set[str] = set()
        self._ids = itertools.count(100)

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109
    ) -> Any:
        self.calls.append(method)
        if isinstance(method, AnswerCallbackQuery):
            if method.callback_query_id in self._answered:
                raise TelegramBadRequest(method=method, message=TOO_OLD)
            self._answered.add(method.callback_query_id)
            return True
        if isinstance(method, SendMessage):
            chat = PRIVATE if method.chat_id == PRIVATE.id else GROUP
            return Message(message_id=next(self._ids), date=NOW, chat=chat, text=method.text)
        raise AssertionError(f"unexpected call {method.__api_method__}")

    async def close(self) -> None:
        pass

    async def stream_content(self, *args: Any, **kwargs: Any) -> AsyncGenerator[bytes, None]:
        raise NotImplementedError
        yield b""  # pragma: no cover

    def answers(self) -> list[AnswerCallbackQuery]:
        return [c for c in self.calls if isinstance(c, AnswerCallbackQuery)]

    def messages(self) -> list[SendMessage]:
        return [c for c in self.calls if isinstance(c, SendMessage)]


@pytest.fixture
def i18n() -> Iterator[PoCatalogI18n]:
    i18n = create_i18n("fi")
    with i18n.context():
        yield i18n


@pytest.fixture
def telegram() -> StandInTelegram:
    return StandInTelegram()


@pytest.fixture
def bot(telegram: StandInTelegram) -> Bot:
    return Bot("42:TEST", session=telegram)


def dispatcher(*routers: Router) -> Dispatcher:
    """The production order: refusals are answered around every message and press."""
    dp = Dispatcher()
    refusals = AnswerRefusals()
    dp.message.outer_middleware(refusals)
    dp.callback_query.outer_middleware(refusals)
    dp.include_routers(*routers)
    return dp


_updates = itertools.count(1)


def text_update(text: str, chat: Chat = PRIVATE) -> Update:
    message = Message(message_id=1, date=NOW, chat=chat, from_user=PERSON, text=text)
    return Update(update_id=next(_updates), message=message)


def press_update(data: str, chat: Chat = PRIVATE, *, accessible: bool = True) -> Update:
    pressed: Message | InaccessibleMessage
    if accessible:
        pressed = Message(message_id=7, date=NOW, chat=chat, text="Mitä haluat tehdä?")
    else:
        pressed = InaccessibleMessage(chat=chat, message_id=7, date=0)
    update_id = next(_updates)
    query = CallbackQuery(
        id=f"q{update_id}", from_user=PERSON, chat_instance="c", data=data, message=pressed
    )
    return Update(update_id=update_id, callback_query=query)


MEMBERS = MenuItem(item=Menu.MEMBERS).pack()


def test_command_matches_the_name_and_its_finnish_alias() -> None:
    assert command("members").commands == ("members", "jasenet")
    assert command("menu").commands == ("menu", "valikko")


def test_button_data_is_packed_as_before() -> None:
    # Tests and old buttons in people's chats press these exact strings.
    assert InviteRole(table_id=3, role=Invitee.MEMBER).pack() == "ir:3:member"
    assert InviteRole(table_id=3, role=Invitee.MANY).pack() == "ir:3:csv"
    assert InviteTable(table_id=3).pack() == "it:3"
    assert LinkGroup(table_id=3).pack() == "lg:3"
    assert PickLanguage(language=Language.SV).pack() == "lang:sv"
    assert [str(language) for language in Language] == list(LANGUAGES)
    assert MEMBERS == "m:members"
    with pytest.raises(ValueError):
        InviteRole.unpack("ir:3:lead_coordinator")  # never offered: refused at unpack


def test_message_of_a_press_on_a_vanished_message_is_stale() -> None:
    query = press_update(MEMBERS, accessible=False).callback_query
    assert query is not None
    with pytest.raises(Refused) as refused:
        message_of(query)
    assert refused.value.text is STALE_BUTTON


def test_a_refusal_is_written_in_the_language_it_is_read_in() -> None:
    refusal = Refused(NOT_ALLOWED)  # made where no language is chosen yet
    i18n = create_i18n("fi")
    with i18n.context(), i18n.use_locale("sv"):
        assert str(refusal) == "Du har inte rätt att göra detta."
    with i18n.context(), i18n.use_locale("fi"):
        assert str(refusal) == "Sinulla ei ole oikeutta tähän."


def recording_router(
    calls: list[tuple[Message, dict[str, Any]]],
    behaviour: Callable[[], Awaitable[None]] | None = None,
) -> Router:
    router = Router()

    @command_or_menu(router, "members", Menu.MEMBERS)
    async def members(message: Message, access: str, command: CommandObject | None = None) -> None:
        calls.append((message, {"access": access, "command": command}))
        if behaviour is not None:
            await behaviour()

    return router


async def test_one_function_answers_the_command_and_the_menu_button(
    i18n: PoCatalogI18n, bot: Bot, telegram: StandInTelegram
) -> None:
    calls: list[tuple[Message, dict[str, Any]]] = []
    dp = dispatcher(recording_router(calls))

    await dp.feed_update(bot, text_update("/jasenet kaikki"), access="member", unused=1)
    await dp.feed_update(bot, press_update(MEMBERS), access="member", unused=1)

    (typed, typed_args), (pressed, pressed_args) = calls
    assert typed.text == "/jasenet kaikki"
    assert typed_args["command"] is not None and typed_args["command"].args == "kaikki"
    assert pressed.message_id == 7, "from the menu, the handler answers in the menu's chat"
    assert pressed_args == {"access": "member", "command": None}
    assert [(a.text, a.show_alert) for a in telegram.answers()] == [(None, None)]


async def test_a_menu_press_is_answered_after_the_handler(
    i18n: PoCatalogI18n, bot: Bot, telegram: StandInTelegram
) -> None:
    calls: list[tuple[Message, dict[str, Any]]] = []

    async def answers_first() -> None:
        assert telegram.answers() == [], "the press is answered once the handler is done"

    dp = dispatcher(recording_router(calls, answers_first))
    await dp.feed_update(bot, press_update(MEMBERS), access="member")
    assert len(calls) == 1 and len(telegram.answers()) == 1


async def test_a_menu_press_on_a_vanished_message_is_refused_as_stale(
    i18n: PoCatalogI18n, bot: Bot, telegram: StandInTelegram
) -> None:
    calls: list[tuple[Message, dict[str, Any]]] = []
    dp = dispatcher(recording_router(calls))
    await dp.feed_update(bot, press_update(MEMBERS, accessible=False), access="member")
    assert calls == []
    assert [(a.text, a.show_alert) for a in telegram.answers()] == [(str(STALE_BUTTON), True)]


async def test_a_refusal_from_a_menu_handler_is_the_one_answer_to_the_press(
    i18n: PoCatalogI18n, bot: Bot, telegram: StandInTelegram
) -> None:
    async def refuse() -> None:
        raise Refused(NOT_ALLOWED)

    calls: list[tuple[Message, dict[str, Any]]] = []
    dp = dispatcher(recording_router(calls, refuse))
    await dp.feed_update(bot, press_update(MEMBERS), access="member")
    assert len(calls) == 1
    assert [(a.text, a.show_alert) for a in telegram.answers()] == [(str(NOT_ALLOWED), True)]
    assert telegram.messages() == []

    await dp.feed_update(bot, text_update("/members"), access="member")
    assert [m.text for m in telegram.messages()] == [str(NOT_ALLOWED)]


async def refuse_filter(event: Any) -> bool:
    raise Refused(NOT_ALLOWED)


async def test_a_refusal_from_a_filter_stops_before_the_handler(
    i18n: PoCatalogI18n, bot: Bot, telegram: StandInTelegram
) -> None:
    reached: list[str] = []
    router = Router()

    @router.message(refuse_filter)
    async def typed(message: Message) -> None:
        reached.append("message")

    @router.callback_query(refuse_filter)
    async def pressed(query: CallbackQuery) -> None:
        reached.append("press")

    dp = dispatcher(router)
    await dp.feed_update(bot, text_update("hei"))
    await dp.feed_update(bot, press_update("x:y"))
    assert reached == []
    assert [m.text for m in telegram.messages()] == [str(NOT_ALLOWED)]
    assert [(a.text, a.show_alert) for a in telegram.answers()] == [(str(NOT_ALLOWED), True)]


@pytest.mark.parametrize("chat", [PRIVATE, GROUP], ids=["private", "group"])
async def test_a_refusal_after_the_press_was_answered_is_still_told(
    i18n: PoCatalogI18n, bot: Bot, telegram: StandInTelegram, chat: Chat
) -> None:
    # Regression: the second answer failed with "query is too old", and the person was told
    # "something went wrong" instead of why.
    router = Router()

    @router.callback_query(F.data == "late")
    async def answers_then_refuses(query: CallbackQuery) -> None:
        await query.answer()
        raise Refused(NOT_ALLOWED)

    dp = dispatcher(router)
    await dp.feed_update(bot, press_update("late", chat))
    assert len(telegram.answers()) == 2  # the handler's, and the alert Telegram refused
    told = [m.text for m in telegram.messages()]
    # In a private chat the reason comes as a message; a group is not told one person's refusal.
    assert told == ([str(NOT_ALLOWED)] if chat is PRIVATE else [])


# ---- with a database: what a refusal undoes ---------------------------------------------


@pytest.fixture
async def sessionmaker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


def with_transactions(sessionmaker: async_sessionmaker[AsyncSession], *routers: Router):
    dp = dispatcher(*routers)
    dp.update.outer_middleware(TransactionMiddleware(sessionmaker, Clock()))
    return dp


def person(name: str) -> Person:
    return Person(telegram_id=None, first_name=name, private_chat_open=False, created_at=NOW)


async def names(sessionmaker: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessionmaker() as session:
        return sorted(await session.scalars(select(Person.first_name)))


async def recorded_updates(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0)


async def test_a_refusal_undoes_what_the_handler_wrote_but_keeps_the_update_record(
    i18n: PoCatalogI18n, bot: Bot, telegram: StandInTelegram, sessionmaker: Any
) -> None:
    router = Router()

    @router.callback_query(F.data == "write")
    async def writes_then_refuses(query: CallbackQuery, session: AsyncSession) -> None:
        session.add(person("Kesken"))
        await session.flush()
        raise Refused(NOT_ALLOWED)

    @router.callback_query(F.data == "keep")
    async def writes(query: CallbackQuery, session: AsyncSession) -> None:
        session.add(person("Valmis"))
        await query.answer()

    dp = with_transactions(sessionmaker, router)
    await dp.feed_update(bot, press_update("write"))
    await dp.feed_update(bot, press_update("keep"))

    assert await names(sessionmaker) == ["Valmis"]
    # A refused update delivered again is still known as handled.
    assert await recorded_updates(sessionmaker) == 2
    assert [(a.text, a.show_alert) for a in telegram.answers()] == [
        (str(NOT_ALLOWED), True),
        (None, None),
    ]


async def test_a_refusal_after_a_reply_undoes_only_what_came_after_it(
    i18n: PoCatalogI18n, bot: Bot, telegram: StandInTelegram, sessionmaker: Any
) -> None:
    bot.session.middleware(CommitBeforeReply())
    router = Router()

    @router.callback_query(F.data == "late")
    async def replies_then_refuses(query: CallbackQuery, session: AsyncSession) -> None:
        session.add(person("Näytetty"))
        await query.answer()  # what a person sees must already be true: this commits
        session.add(person("Kesken"))
        await session.flush()
        raise Refused(NOT_ALLOWED)

    dp = with_transactions(sessionmaker, router)
    await dp.feed_update(bot, press_update("late"))
    assert await names(sessionmaker) == ["Näytetty"]
    assert await recorded_updates(sessionmaker) == 1
    assert [m.text for m in telegram.messages()] == [str(NOT_ALLOWED)]


class _Apple(CallbackData, prefix="apple"):
    number: int


async def test_a_press_skips_a_router_that_cannot_take_its_prefix() -> None:
    checked: list[str | None] = []

    async def looked_at(query: CallbackQuery) -> bool:
        checked.append(query.data)
        return True

    async def apple(query: CallbackQuery) -> str:
        return "apple"

    router = Router()
    router.callback_query.register(apple, looked_at, _Apple.filter())
    gate_presses(router)

    def press(data: str) -> CallbackQuery:
        return CallbackQuery(id="1", from_user=PERSON, chat_instance="x", data=data)

    assert await router.propagate_event("callback_query", press("pear:1")) is UNHANDLED
    assert checked == []  # the handler's filters were never asked
    assert await router.propagate_event("callback_query", press("apple:2")) == "apple"
    assert checked == ["apple:2"]


def test_every_feature_router_is_gated_and_the_fallback_is_not() -> None:
    routers = {router.name: router for router in get_routers()}
    gates = {
        name: [f.callback for f in router.callback_query._handler.filters or ()]
        for name, router in routers.items()
    }
    assert not any(isinstance(g, PressFor) for g in gates.pop("fallback"))
    for name, filters in gates.items():
        assert any(isinstance(g, PressFor) for g in filters), name
    votes = next(g for g in gates["votes"] if isinstance(g, PressFor))
    assert ("v", ":") in votes.prefixes
