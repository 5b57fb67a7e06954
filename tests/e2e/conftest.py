"""End-to-end harness: the emulator over real HTTP and the production bot polling it.

Updates go the production way: queued in the database, then handled by the intake
(`bot.intake`), one person's in order.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App, build_app, close_app, running
from bot.intake import poll
from core.clock import ShiftedClock
from core.settings import Settings
from emulator import EmulatorClient, EmulatorServer
from emulator.client import text_of
from scheduler.limits import Limit, Limiter
from storage.people import Person, Table, grant_role
from storage.roles import Role
from tests.e2e.smtp_sink import Inbox, smtp_server

BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
BOT_USERNAME = "poytabot"
# Tables whose rows every update changes by design; "nothing changed" ignores them.
VOLATILE_TABLES = {"processed_updates", "queued_updates", "alembic_version"}


class Harness:
    """A running bot and the people around it."""

    def __init__(self, emu: EmulatorClient, app: App, clock: ShiftedClock) -> None:
        self.emu = emu
        self.app = app
        self.clock = clock
        self._users = 0

    @contextlib.asynccontextmanager
    async def db(self) -> AsyncIterator[AsyncSession]:
        async with self.app.sessionmaker() as session, session.begin():
            yield session

    async def table(self, slug: str = "pohjoinen") -> Table:
        async with self.db() as session:
            table = await session.scalar(select(Table).where(Table.slug == slug))
            assert table is not None
            return table

    async def user(self, first_name: str, *, language: str = "fi", **kwargs: Any) -> Any:
        self._users += 1
        return await self.emu.create_user(
            first_name, username=kwargs.pop("username", None), language_code=language, **kwargs
        )

    async def person(
        self,
        first_name: str,
        role: Role | None = Role.MEMBER,
        table: str | None = "pohjoinen",
        *,
        language: str = "fi",
        started: bool = True,
    ) -> Any:
        """A user with a role already in the database; `started` opens their chat with /start."""
        user = await self.user(first_name, language=language)
        if role is not None:
            async with self.db() as session:
                person = Person(
                    telegram_id=user.id,
                    first_name=first_name,
                    private_chat_open=False,
                    created_at=self.clock.now(),
                )
                session.add(person)
                await session.flush()
                row = (
                    await session.scalar(select(Table).where(Table.slug == table))
                    if role is not Role.LEAD_COORDINATOR
                    else None
                )
                today = self.clock.now().astimezone(self.app.settings.zone).date()
                await grant_role(
                    session,
                    person=person,
                    table=row,
                    role=role,
                    starts_on=today,
                    ends_on=self.app.settings.term_ends_on,
                    actor_id=None,
                )
        if started:
            await user.send("/start")
            await user.expect_message()
        return user

    async def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table but the volatile ones: for "nothing changed" checks."""
        async with self.db() as session:
            names = await session.run_sync(lambda s: inspect(s.connection()).get_table_names())
            result = {}
            for name in sorted(set(names) - VOLATILE_TABLES):
                rows = await session.execute(text(f'SELECT * FROM "{name}" ORDER BY 1'))
                result[name] = [tuple(row) for row in rows]
            return result

    async def idle(self, within: float = 10.0) -> None:
        """Every update sent to the bot is taken, handled, and its transaction has ended.

        A handler commits before its first reply, so a person can see a reply while the rest
        of the handler (such as queuing messages for others) is still running. An update the
        emulator still holds is confirmed only when the bot asks for the next ones, by which
        time it is queued.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while (await self.emu.stats())["pending_updates"].get(BOT_USERNAME):
            assert loop.time() < deadline, "the bot has not taken every update"
            await asyncio.sleep(0.02)
        left = deadline - loop.time()
        assert left > 0, "the bot is still handling updates"
        try:
            await asyncio.wait_for(self.app.intake.idle(), left)
        except TimeoutError:
            raise AssertionError("the bot is still handling updates") from None

    async def settle(self, seconds: float = 0.3) -> None:
        """Let the dispatcher and the ticks under way finish, then the outbox deliver.

        A tick the scheduler started (the ticker runs in tests too) may hold what a test's
        own tick found already claimed; its messages count only once it has committed them.
        """
        await self.idle()
        await self.app.ticker.idle()
        await self.app.outbox.drain()
        await asyncio.sleep(seconds)
        # Rows a handler committed after its first reply are sent now, at Telegram's pace.
        await self.app.outbox.drain()


@pytest.fixture
async def emulator_server() -> AsyncIterator[EmulatorServer]:
    server = await EmulatorServer.start(host="127.0.0.1", port=0)
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def emu(emulator_server: EmulatorServer) -> AsyncIterator[EmulatorClient]:
    client = EmulatorClient(emulator_server.base_url)
    await client.create_bot(token=BOT_TOKEN, username=BOT_USERNAME, first_name="Pöytäbotti")
    try:
        yield client
    finally:
        await client.close()


def make_settings(base_url: str, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": BOT_TOKEN,
        "api_base_url": base_url,
        "database_url": database_url,
        "_env_file": None,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def flood_limit() -> int:
    """Tests may override this by parametrising `flood_limit`."""
    return 1000


# The emulator enforces no limits unless a test switches them on, so most tests need not wait
# at Telegram's pace; tests marked `telegram_pace` get the production limiter.
UNPACED = Limit(10_000, 1.0, burst=1_000)


@pytest.fixture
async def harness(
    request: pytest.FixtureRequest,
    emu: EmulatorClient,
    emulator_server: EmulatorServer,
    database_url: str,
    flood_limit: int,
) -> AsyncIterator[Harness]:
    clock = ShiftedClock()
    settings = make_settings(emulator_server.base_url, database_url, flood_limit=flood_limit)
    paced = request.node.get_closest_marker("telegram_pace") is not None
    limiter = None if paced else Limiter(UNPACED, UNPACED, UNPACED)
    app = await build_app(settings, clock=clock, outbox_interval=0.1, limiter=limiter)
    stop = asyncio.Event()
    allowed = app.dispatcher.resolve_used_update_types()
    try:
        async with running(app):
            polling = asyncio.create_task(poll(app.bot, app.intake, stop, allowed, 1))
            try:
                yield Harness(emu, app, clock)
            finally:
                stop.set()
                await polling
    finally:
        await close_app(app)


async def shown(user: Any, containing: str, *, chat: Any = None, within: float = 5.0) -> Any:
    """The newest message in the chat that contains the text, once it shows (edits included)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        for message in reversed(await user.history(chat)):
            if containing in text_of(message):
                return message
        if asyncio.get_running_loop().time() > deadline:
            texts = [text_of(m) for m in (await user.history(chat))[-3:]]
            raise AssertionError(f"{containing!r} not shown; the chat ends with {texts!r}")
        await asyncio.sleep(0.05)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A local SMTP server: what it received, and its port."""
    with smtp_server() as running:
        yield running
