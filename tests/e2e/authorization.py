"""The people of the authorisation matrix and the fuzz test, the things they act on, and a way
to see which handler answered them.

Thirteen identities act on one bot: eleven people in their private chats, and Telegram's
anonymous group admin and a channel sender in a group. Each can send a text, press any button
data, or be put in a form's step first; `Actor.act` returns what they saw and which handlers ran.
"""

from __future__ import annotations

import asyncio
import enum
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiogram import Dispatcher, Router
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import TelegramObject
from sqlalchemy import delete, select

from emulator import EmulatorServer, actions
from emulator.client import text_of
from emulator.state import Member
from emulator.state import Person as EmulatedAccount
from storage.meeting_rules import MeetingKind, Slot
from storage.meetings import create_poll
from storage.people import Person, Table, grant_role
from storage.roles import Role
from storage.statements import create_statement
from storage.votes import BallotKind, open_ballot
from tests.e2e.conftest import Harness

# Telegram's stand-ins: the sender of an anonymous admin's messages, and of a channel's.
ANONYMOUS_ADMIN_ID = 1087968824
CHANNEL_BOT_ID = 136817688
CHANNEL_CHAT = {"id": -1_001_999_000_001, "type": "channel", "title": "Pohjoisen tiedotteet"}


class Who(enum.StrEnum):
    STRANGER = "stranger"  # never seen by the bot before this update
    RESIDENT = "resident"  # has opened the bot (/start), no role anywhere
    OTHER_MEMBER = "other_member"  # member of another table (Eteläinen)
    MEMBER = "member"  # the tables below are Pohjoinen
    YOUTH_REP = "youth_rep"  # youth council representative: a seated role of its own
    VICE_CHAIR = "vice_chair"
    CHAIR = "chair"
    OTHER_COORDINATOR = "other_coordinator"  # coordinator of Eteläinen
    COORDINATOR = "coordinator"
    LEAD = "lead"  # lead coordinator: coordinates every table
    FORMER = "former"  # was a member of Pohjoinen; the membership ended yesterday
    ANONYMOUS_ADMIN = "anonymous_admin"  # user 1087968824 with sender_chat = the group
    CHANNEL = "channel"  # a channel's post in the group (sender_chat of type channel)


EVERYONE = frozenset(Who)
NOBODY = frozenset({Who.ANONYMOUS_ADMIN, Who.CHANNEL})  # no person behind the update
KNOWN = EVERYONE - NOBODY
OUTSIDERS = frozenset({Who.STRANGER, Who.RESIDENT, Who.FORMER})
SEATED = frozenset({Who.MEMBER, Who.YOUTH_REP, Who.VICE_CHAIR, Who.CHAIR})  # at Pohjoinen
CHAIRS = frozenset({Who.VICE_CHAIR, Who.CHAIR})
COORDINATORS = frozenset({Who.COORDINATOR, Who.LEAD})  # coordinate Pohjoinen
BELONG = SEATED | COORDINATORS  # see Pohjoinen's business
LEADERS = CHAIRS | COORDINATORS  # organise for Pohjoinen
INSIDERS = BELONG | {Who.OTHER_MEMBER, Who.OTHER_COORDINATOR}  # seated or coordinating anywhere
ORGANIZERS = LEADERS | {Who.OTHER_COORDINATOR}  # organise for some table
ANY_COORDINATOR = COORDINATORS | {Who.OTHER_COORDINATOR}


def handler_key(router: Router, event: str, handler: HandlerObject) -> str:
    name = getattr(handler.callback, "__name__", repr(handler.callback))
    return f"{router.name}/{event}/{name}"


def registered_handlers(dispatcher: Dispatcher) -> dict[int, str]:
    """Every handler a person can reach, by id(HandlerObject): "router/event/function"."""
    found: dict[int, str] = {}

    def walk(router: Router) -> None:
        for event, observer in router.observers.items():
            if event in ("update", "error") and router is dispatcher:
                continue
            for handler in observer.handlers:
                found[id(handler)] = handler_key(router, event, handler)
        for child in router.sub_routers:
            walk(child)

    walk(dispatcher)
    return found


class HandlerRecorder:
    """An inner middleware: which handlers ran for which Telegram user."""

    def __init__(self, keys: dict[int, str]) -> None:
        self.keys = keys
        self.ran: dict[int, list[str]] = defaultdict(list)

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user = data.get("event_from_user")
        if user is not None:
            self.ran[user.id].append(self.keys.get(id(data["handler"]), "?"))
        return await handler(event, data)


def record_handlers(dispatcher: Dispatcher) -> HandlerRecorder:
    recorder = HandlerRecorder(registered_handlers(dispatcher))
    for observer in (dispatcher.message, dispatcher.callback_query):
        observer.middleware(recorder)
    return recorder


@dataclass
class Seen:
    """What an actor saw after one action."""

    alert: str | None = None  # the text of the press's answer ("" when answered silently)
    messages: list[str] = field(default_factory=list)  # new bot messages in the chat
    handlers: list[str] = field(default_factory=list)  # the handlers that ran for it

    def texts(self) -> list[str]:
        return ([self.alert] if self.alert else []) + self.messages


class Actor:
    """One identity: acts in its chat and reads what the bot said back there."""

    def __init__(self, world: World, who: Who) -> None:
        self.world = world
        self.who = who
        self.user: Any = None  # the emulator's client User, for people
        self.account: EmulatedAccount | None = None  # Telegram's stand-in, in the group
        self.sender_chat: dict[str, Any] | None = None
        self.seen_up_to = 0

    @property
    def telegram_id(self) -> int:
        return int(self.user.id) if self.user is not None else self.account.id  # type: ignore[union-attr]

    @property
    def in_group(self) -> bool:
        return self.account is not None

    def storage_key(self) -> StorageKey:
        bot_id = self.world.harness.app.bot.id
        if self.account is not None:
            return StorageKey(bot_id, self.world.group_chat.id, self.account.id)
        return StorageKey(bot_id, self.user.id, self.user.id)

    async def set_state(self, state: State | None, data: dict[str, Any]) -> None:
        storage = self.world.harness.app.dispatcher.fsm.storage
        key = self.storage_key()
        await storage.set_state(key, state)
        await storage.set_data(key, data)

    async def bot_messages(self) -> list[dict[str, Any]]:
        bot_id = self.world.harness.app.bot.id
        if self.account is not None:
            chat = self.world.group_chat
            return [m.to_view() for m in chat.messages.values() if m.sender_id == bot_id]
        history = await self.user.history()
        return [m for m in history if m["from"]["id"] == bot_id]

    async def catch_up(self) -> None:
        messages = await self.bot_messages()
        self.seen_up_to = max((m["message_id"] for m in messages), default=self.seen_up_to)

    async def anchor(self) -> dict[str, Any]:
        """A fresh message of the bot's in this chat to press on (a press may edit it)."""
        state = self.world.emulator.state
        bot = state.accounts[self.world.harness.app.bot.id]
        chat = self.world.group_chat if self.account is not None else None
        if chat is None:
            chat = state.private_chat(bot, state.person(self.user.id))
        message = state.store_message(chat, bot, {"text": "⋯"})
        self.seen_up_to = message.message_id
        return message.to_view()

    async def send(self, text: str) -> None:
        if self.account is None:
            await self.user.send(text)
            return
        content = {"text": text, "sender_chat": self.sender_chat}
        actions.user_sends(self.world.emulator.state, self.account, self.world.group_chat, content)

    async def press(self, data: str) -> str:
        """Press button data on the bot's message; the answer's text ("" if none)."""
        anchor = await self.anchor()
        if self.account is None:
            answer = await self.user.press_data(anchor, data, timeout=10)
        else:
            found = await actions.press(
                self.world.emulator.state,
                self.account,
                self.world.group_chat,
                anchor["message_id"],
                data,
                timeout=10,
            )
            assert found is not None, f"{self.who}: the press on {data!r} was not answered"
            answer = found
        return str(answer.get("text") or "")

    async def seen_since(self) -> list[str]:
        new = [m for m in await self.bot_messages() if m["message_id"] > self.seen_up_to]
        await self.catch_up()
        return [text_of(m) for m in new]


class World:
    """The people and things of a matrix run: Pohjoinen and its business, and Eteläinen."""

    def __init__(self, harness: Harness, emulator: EmulatorServer) -> None:
        self.harness = harness
        self.emulator = emulator
        self.actors: dict[Who, Actor] = {}
        self.ids: dict[str, int] = {}
        self.recorder = record_handlers(harness.app.dispatcher)
        self.group_chat: Any = None

    @classmethod
    async def build(cls, harness: Harness, emulator: EmulatorServer) -> World:
        world = cls(harness, emulator)
        await world._people()
        await world._group()
        await world._business()
        return world

    async def _people(self) -> None:
        h = self.harness
        roles = {
            Who.OTHER_MEMBER: (Role.MEMBER, "etelainen"),
            Who.MEMBER: (Role.MEMBER, "pohjoinen"),
            Who.YOUTH_REP: (Role.YOUTH_REP, "pohjoinen"),
            Who.VICE_CHAIR: (Role.VICE_CHAIR, "pohjoinen"),
            Who.CHAIR: (Role.CHAIR, "pohjoinen"),
            Who.OTHER_COORDINATOR: (Role.COORDINATOR, "etelainen"),
            Who.COORDINATOR: (Role.COORDINATOR, "pohjoinen"),
            Who.LEAD: (Role.LEAD_COORDINATOR, None),
        }
        for who, (role, slug) in roles.items():
            self.actors[who] = actor = Actor(self, who)
            actor.user = await h.person(who.value.replace("_", " ").title(), role, slug)
        resident = self.actors[Who.RESIDENT] = Actor(self, Who.RESIDENT)
        resident.user = await h.person("Resident", None)
        former = self.actors[Who.FORMER] = Actor(self, Who.FORMER)
        former.user = await h.person("Former", None)
        await self._end_membership(former.user.id)
        stranger = self.actors[Who.STRANGER] = Actor(self, Who.STRANGER)
        stranger.user = await h.user("Stranger")
        for actor in self.actors.values():
            await actor.catch_up()

    async def _end_membership(self, telegram_id: int) -> None:
        h = self.harness
        today = h.clock.now().astimezone(h.app.settings.zone).date()
        async with h.db() as session:
            person = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
            table = await session.scalar(select(Table).where(Table.slug == "pohjoinen"))
            assert person is not None and table is not None
            await grant_role(
                session,
                person=person,
                table=table,
                role=Role.MEMBER,
                starts_on=today - timedelta(days=400),
                ends_on=today - timedelta(days=1),
                actor_id=None,
            )

    async def _group(self) -> None:
        """Pohjoinen's group, with the bot as admin (it reads every message there)."""
        h = self.harness
        coordinator = self.actors[Who.COORDINATOR].user
        group = await h.emu.create_group("Pohjoinen", [coordinator])
        await group.add_bot(coordinator, admin=True)
        await h.idle()
        state = self.emulator.state
        self.group_chat = state.groups[group.id]
        stand_ins = {
            Who.ANONYMOUS_ADMIN: (
                EmulatedAccount(ANONYMOUS_ADMIN_ID, "Group", username="GroupAnonymousBot"),
                {"id": group.id, "type": "group", "title": group.title},
            ),
            Who.CHANNEL: (
                EmulatedAccount(CHANNEL_BOT_ID, "Channel", username="Channel_Bot"),
                CHANNEL_CHAT,
            ),
        }
        for who, (account, sender_chat) in stand_ins.items():
            account.is_bot = True
            state.accounts[account.id] = account
            self.group_chat.members[account.id] = Member("member")
            actor = self.actors[who] = Actor(self, who)
            actor.account = account
            actor.sender_chat = sender_chat
        if not any(True for _ in await self.actors[Who.ANONYMOUS_ADMIN].bot_messages()):
            # Something of the bot's to press on: its help in the group.
            await coordinator.send("/apua", group)
            await h.idle()
        for who in NOBODY:
            await self.actors[who].catch_up()

    async def _business(self) -> None:
        """A meeting poll, a statement and a ballot of Pohjoinen, as ids for button data."""
        h = self.harness
        now = h.clock.now()
        async with h.db() as session:
            table = await session.scalar(select(Table).where(Table.slug == "pohjoinen"))
            assert table is not None
            coordinator = await self.person_id(Who.COORDINATOR, session)
            seated = [await self.person_id(who, session) for who in sorted(SEATED)]
            start = now + timedelta(days=10)
            meeting = await create_poll(
                session,
                table_id=table.id,
                kind=MeetingKind.REGULAR,
                title="Syyskokous",
                place="Kirjasto",
                slots=[Slot(start, start + timedelta(hours=2))],
                deadline=now + timedelta(days=3),
                invitees=seated,
                created_by=coordinator,
                now=now,
            )
            statement = await create_statement(
                session,
                table_id=table.id,
                subject="Puistosuunnitelma",
                requester="Kaupunkiympäristö",
                case_number=None,
                background=None,
                city_due_at=now + timedelta(days=20),
                internal_due_at=now + timedelta(days=14),
                by=coordinator,
                now=now,
            )
            ballot = await open_ballot(
                session,
                table_id=table.id,
                kind=BallotKind.PROPOSAL,
                title="Penkit puistoon",
                now=now,
                closes_at=now + timedelta(days=5),
                created_by=coordinator,
            )
            self.ids.update(
                meeting=meeting.id, statement=statement.id, ballot=ballot.id, table=table.id
            )
            other = await session.scalar(select(Table).where(Table.slug == "etelainen"))
            assert other is not None
            self.ids["other_table"] = other.id
            self.ids["person"] = coordinator

    async def person_id(self, who: Who, session: Any) -> int:
        telegram_id = self.actors[who].user.id
        found = await session.scalar(select(Person.id).where(Person.telegram_id == telegram_id))
        assert found is not None
        return int(found)

    async def forget_stranger(self) -> None:
        """The stranger stays a stranger: the row their update made goes again."""
        async with self.harness.db() as session:
            await session.execute(
                delete(Person).where(Person.telegram_id == self.actors[Who.STRANGER].user.id)
            )

    async def settle(self) -> None:
        await self.harness.idle()
        await asyncio.sleep(0)
