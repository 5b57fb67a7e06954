"""End-to-end harness: the emulator over real HTTP and the production bot polling it.

Updates go the production way: queued in the database, then handled by the intake
(`bot.intake`), one person's in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.ext.asyncio import AsyncSession

import emulator.client
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
# form_states: what a person has typed into a form so far is shown back in the bot's answers,
# which the tests read; the row itself is rewritten (or emptied) on every step.
VOLATILE_TABLES = {
    "form_states",
    "processed_updates",
    "queued_updates",
    "alembic_version",
    "flood_marks",
    "shared_pauses",
}


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Every e2e test sees what production sees, or says why not (issue 11).

    Telegram's limits hold unless a test is marked `telegram_limits_off(reason=...)`; every
    test runs on PostgreSQL too (through `database_url`, which `harness` takes) unless it is
    marked `sqlite_only(reason=...)`.
    """
    problems = []
    for name in ("telegram_limits_off", "sqlite_only"):
        marker = item.get_closest_marker(name)
        if marker is not None and not str(marker.kwargs.get("reason", "")).strip():
            problems.append(f"@pytest.mark.{name} needs a reason=...")
    if "telegram_limits" not in item.fixturenames:
        problems.append("no emulator with Telegram's limits (take `emu` or `telegram_limits`)")
    if "database_url" not in item.fixturenames and not item.get_closest_marker("sqlite_only"):
        problems.append("runs on SQLite only without saying why (take `database_url`)")
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)


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


# At Telegram's pace (about a message a second per chat) on a busy machine a reply can take
# seconds: people wait this long for one. A guard against a hang, not a measure.
WAIT = 20.0


@pytest.fixture(autouse=True)
def patient_people(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(emulator.client, "WAIT", WAIT)


@pytest.fixture
def telegram_limits(request: pytest.FixtureRequest) -> bool:
    """Whether Telegram's limits hold: always, unless the test opts out with a stated reason.

    The emulator answers 429 to sends and edits past Telegram's limits, and the bot keeps
    its production pace, as in production.
    """
    return request.node.get_closest_marker("telegram_limits_off") is None


@pytest.fixture
async def emu(
    emulator_server: EmulatorServer, telegram_limits: bool
) -> AsyncIterator[EmulatorClient]:
    client = EmulatorClient(emulator_server.base_url)
    await client.create_bot(token=BOT_TOKEN, username=BOT_USERNAME, first_name="Pöytäbotti")
    await client.set_rate_limits(telegram_limits)
    try:
        yield client
    finally:
        await client.close()


def make_settings(base_url: str, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": BOT_TOKEN,
        "api_base_url": base_url,
        "database_url": database_url,
        "ballot_key": secrets.token_urlsafe(32),
        "_env_file": None,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def flood_limit() -> int:
    """Tests may override this by parametrising `flood_limit`."""
    return 1000


# The pace of a test that opts out of Telegram's limits (see `telegram_limits`).
UNPACED = Limit(10_000, 1.0)


@contextlib.asynccontextmanager
async def polling_app(
    settings: Settings, clock: ShiftedClock, limiter: Limiter | None = None
) -> AsyncIterator[App]:
    """The production app polling the emulator until the block ends (one replica)."""
    app = await build_app(settings, clock=clock, outbox_interval=0.1, limiter=limiter)
    stop = asyncio.Event()
    allowed = app.dispatcher.resolve_used_update_types()
    try:
        async with running(app):
            polling = asyncio.create_task(poll(app.bot, app.intake, stop, allowed, 1))
            try:
                yield app
            finally:
                stop.set()
                await polling
    finally:
        await close_app(app)


@pytest.fixture
async def harness(
    emu: EmulatorClient,
    emulator_server: EmulatorServer,
    database_url: str,
    flood_limit: int,
    telegram_limits: bool,
) -> AsyncIterator[Harness]:
    clock = ShiftedClock()
    settings = make_settings(emulator_server.base_url, database_url, flood_limit=flood_limit)
    limiter = None if telegram_limits else Limiter(UNPACED, UNPACED, UNPACED)
    async with polling_app(settings, clock, limiter) as app:
        yield Harness(emu, app, clock)


async def shown(user: Any, containing: str, *, chat: Any = None, within: float = WAIT) -> Any:
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
