"""`make demo`: the emulator, the real bot and the people of one table, all on this machine."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import signal
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from bot.app import App, build_app, close_app
from bot.logs import setup_logging
from core.settings import load_settings
from emulator import EmulatorClient, EmulatorServer
from emulator.client import User
from storage.migrate import upgrade
from storage.people import Person, Table, grant_role
from storage.roles import Role

DEMO_TOKEN = "100000001:DEMO-poytabot-offline-token-not-real"


@dataclass(frozen=True)
class DemoPerson:
    first_name: str
    last_name: str
    role: Role | None
    table: str | None = "pohjoinen"
    language: str = "fi"


PEOPLE = [
    DemoPerson("Leena", "Laakso", Role.LEAD_COORDINATOR, None),
    DemoPerson("Kaija", "Koski", Role.COORDINATOR),
    DemoPerson("Pirjo", "Pelto", Role.CHAIR),
    DemoPerson("Ville", "Vaara", Role.VICE_CHAIR),
    DemoPerson("Matti", "Mäkinen", Role.MEMBER),
    DemoPerson("Aino", "Aalto", Role.MEMBER),
    DemoPerson("Sven", "Sjöberg", Role.MEMBER, language="sv"),
    DemoPerson("Nelli", "Niemi", Role.YOUTH_REP),
    DemoPerson("Olli", "Oja", Role.MEMBER, "keskusta"),
    DemoPerson("Raili", "Rinne", None, None),  # a resident, not a member
]


@dataclass
class Demo:
    """A running demo: the emulator, the bot polling it, and the seeded people."""

    server: EmulatorServer
    emu: EmulatorClient
    app: App
    polling: asyncio.Task[None]

    @property
    def url(self) -> str:
        return self.server.base_url + "/"

    async def stop(self) -> None:
        with contextlib.suppress(RuntimeError):
            await self.app.dispatcher.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await self.polling
        await close_app(self.app)
        await self.emu.close()
        await self.server.stop()


async def start_demo(port: int, database_url: str) -> Demo:
    if database_url.startswith("sqlite+aiosqlite:///"):
        path = Path(database_url.removeprefix("sqlite+aiosqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in path.parent.glob(path.name + "*"):
            stale.unlink()  # every demo starts from the same clean state
    upgrade(database_url)
    server = await EmulatorServer.start(host="127.0.0.1", port=port)
    emu = EmulatorClient(server.base_url)
    await emu.create_bot(token=DEMO_TOKEN, username="poytabot", first_name="Pöytäbotti")
    settings = load_settings(
        bot_token=DEMO_TOKEN,
        api_base_url=server.base_url,
        database_url=database_url,
        # Every demo starts from a clean database, so a fresh key each time is enough.
        ballot_key=secrets.token_urlsafe(32),
        _env_file=None,
    )
    app = await build_app(settings)
    users = await _seed(app, emu)
    polling = asyncio.create_task(
        app.dispatcher.start_polling(
            app.bot,
            handle_signals=False,
            close_bot_session=False,
            allowed_updates=app.dispatcher.resolve_used_update_types(),
        )
    )
    for user in users:
        await user.send("/start")
    return Demo(server, emu, app, polling)


async def run_demo(port: int, database_url: str) -> None:
    setup_logging("INFO", DEMO_TOKEN)
    demo = await start_demo(port, database_url)
    print(
        f"\n  poytabot demo is running. Open the browser chat: {demo.url}\n"
        "  Pick a person (Kaija is the coordinator) and press the buttons. Ctrl+C stops.\n",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await demo.stop()


async def _seed(app: App, emu: EmulatorClient) -> list[User]:
    """Emulator users and their roles in the database; one table group, already linked."""
    users: list[User] = []
    async with app.sessionmaker() as session, session.begin():
        tables = {t.slug: t for t in await session.scalars(select(Table))}
        today = app.clock.today(app.settings.zone)
        for demo in PEOPLE:
            user = await emu.create_user(
                demo.first_name, demo.last_name, language_code=demo.language
            )
            users.append(user)
            person = Person(
                telegram_id=user.id,
                first_name=demo.first_name,
                last_name=demo.last_name,
                private_chat_open=False,
                created_at=app.clock.now(),
            )
            session.add(person)
            await session.flush()
            if demo.role is not None:
                await grant_role(
                    session,
                    person=person,
                    table=tables[demo.table] if demo.table else None,
                    role=demo.role,
                    starts_on=today,
                    ends_on=None if demo.table is None else app.settings.term_ends_on,
                    actor_id=None,
                )
        seated = [u for u, d in zip(users, PEOPLE, strict=True) if d.table == "pohjoinen"]
        group = await emu.create_group("Pohjoinen kumppanuuspöytä", members=seated)
        await group.add_bot(by=seated[0])
        tables["pohjoinen"].group_chat_id = group.id
    return users
