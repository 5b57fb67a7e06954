"""The `poytabot` command: run, demo, db upgrade, admin grant, emulator."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from datetime import date

from aiogram import Bot
from aiohttp import web

from bot.app import build_app, close_app, running
from bot.intake import WEBHOOK_PATH, Intake, poll, webhook_handler
from bot.logs import setup_logging
from bot.preflight import check_database, preflight
from core.settings import Mode, SettingError, Settings, load_settings
from storage.migrate import upgrade
from storage.tables_config import TablesFileError

log = logging.getLogger("poytabot")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="poytabot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the bot (polling or webhook, from settings)")
    demo = commands.add_parser("demo", help="emulator + bot + demo data, offline")
    demo.add_argument("--port", type=int, default=8081)
    demo.add_argument("--database", default="sqlite+aiosqlite:///var/demo.sqlite3")
    db = commands.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])
    admin = commands.add_parser("admin", help="administrative acts")
    admin_actions = admin.add_subparsers(dest="action", required=True)
    grant = admin_actions.add_parser("grant", help="give a Telegram user a role")
    grant.add_argument("--telegram-id", type=int, required=True)
    grant.add_argument("--name", default="")
    grant.add_argument("--role", required=True)
    grant.add_argument("--table", help="table slug; not for lead_coordinator")
    sender = commands.add_parser(
        "sender",
        help="only drain the outbox; several may run on "
        "PostgreSQL (divide POYTABOT_OUTBOX_RATE between them)",
    )
    sender.add_argument(
        "--interval",
        type=float,
        default=0.5,
        help="seconds between looks at the outbox when it is empty",
    )
    emulator = commands.add_parser("emulator", help="serve the Telegram emulator only")
    emulator.add_argument("--port", type=int, default=8081)
    args = parser.parse_args(argv)

    try:
        if args.command == "emulator":
            from emulator.__main__ import main as emulator_main

            emulator_main(["--port", str(args.port)])
            return 0
        if args.command == "demo":
            from bot.demo import run_demo

            asyncio.run(run_demo(port=args.port, database_url=args.database))
            return 0
        settings = load_settings()
        if args.command in ("db", "admin"):
            asyncio.run(check_database(settings.database_url))
        if args.command == "db":
            asyncio.run(prepare_database(settings))
            print("database is up to date")
            return 0
        if args.command == "sender":
            asyncio.run(_run_sender(settings, args.interval))
            return 0
        if args.command == "admin":
            return asyncio.run(
                _grant(settings, args.telegram_id, args.name, args.role, args.table)
            )
        return _run(settings)
    except (SettingError, TablesFileError) as error:
        print(f"poytabot: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _run(settings: Settings) -> int:
    token = settings.token()
    settings.secret_ballot_key()  # a missing key stops here, in one line, before anything runs
    setup_logging(
        settings.log_level,
        token,
        settings.webhook_secret.get_secret_value() if settings.webhook_secret else "",
    )
    asyncio.run(preflight(settings))
    upgrade(settings.database_url)
    asyncio.run(serve(settings))
    return 0


async def serve(settings: Settings) -> None:
    """Polling or webhook until SIGTERM or SIGINT; then the work under way finishes.

    Updates are queued in the database before Telegram is told they arrived (see bot.intake);
    whatever is still queued at the stop is handled at the next start.
    """
    app = await build_app(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    allowed = app.dispatcher.resolve_used_update_types()
    try:
        async with running(app):
            if settings.mode is Mode.WEBHOOK:
                await _serve_webhook(settings, app.bot, app.intake, stop, allowed)
            else:
                await app.bot.delete_webhook()
                await poll(app.bot, app.intake, stop, allowed)
    finally:
        await close_app(app)
    log.info("stopped")


async def _serve_webhook(
    settings: Settings, bot: Bot, intake: Intake, stop: asyncio.Event, allowed: list[str]
) -> None:
    assert settings.webhook_url and settings.webhook_secret
    secret = settings.webhook_secret.get_secret_value()
    web_app = web.Application()
    web_app.router.add_post(WEBHOOK_PATH, webhook_handler(intake, secret))
    runner = web.AppRunner(web_app, handle_signals=False)
    await runner.setup()
    host, _, port = settings.webhook_listen.rpartition(":")
    try:
        await web.TCPSite(runner, host or "127.0.0.1", int(port)).start()
        await bot.set_webhook(
            f"{settings.webhook_url}{WEBHOOK_PATH}", secret_token=secret, allowed_updates=allowed
        )
        log.info("webhook listening on %s", settings.webhook_listen)
        await stop.wait()
    finally:
        await runner.cleanup()  # stops listening; requests under way finish (are queued)


async def _run_sender(settings: Settings, interval: float) -> None:
    from bot.app import create_bot
    from bot.i18n import create_i18n
    from bot.shared import create_shared
    from core.clock import Clock
    from scheduler.limits import BotPause, Limiter
    from scheduler.outbox import OutboxSender, run_forever
    from storage.db import create_engine, create_sessionmaker

    token = settings.token()
    setup_logging(settings.log_level, token, "")
    await preflight(settings)
    engine = create_engine(settings.database_url)
    bot = create_bot(settings)
    sessionmaker = create_sessionmaker(engine)
    # The 429 pause is the whole bot's: shared with the other senders and replicas.
    shared = create_shared(settings, sessionmaker)
    limiter = Limiter.for_rate(settings.outbox_rate, BotPause(shared.pause))
    i18n = create_i18n(settings.default_language)
    sender = OutboxSender.from_settings(bot, sessionmaker, Clock(), settings, limiter, i18n)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    log.info("outbox sender %s started", sender.name)
    try:
        await run_forever(sender, interval, stop)
    finally:
        await bot.session.close()
        await shared.close()
        await engine.dispose()


async def _grant(
    settings: Settings, telegram_id: int, name: str, role_word: str, table_slug: str | None
) -> int:
    from sqlalchemy import select

    from storage.db import create_engine, create_sessionmaker
    from storage.people import Person, Table, grant_role, person_by_telegram_id
    from storage.roles import Role

    try:
        role = Role(role_word)
    except ValueError:
        print(
            f"poytabot: unknown role {role_word!r}; one of {', '.join(r.value for r in Role)}",
            file=sys.stderr,
        )
        return 2
    await prepare_database(settings)
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            table = None
            if role is not Role.LEAD_COORDINATOR:
                table = await session.scalar(select(Table).where(Table.slug == table_slug))
                if table is None:
                    print(
                        f"poytabot: --table must name a table (got {table_slug!r})",
                        file=sys.stderr,
                    )
                    return 2
            person = await person_by_telegram_id(session, telegram_id)
            if person is None:
                from datetime import UTC, datetime

                person = Person(
                    telegram_id=telegram_id,
                    first_name=name or str(telegram_id),
                    private_chat_open=False,
                    created_at=datetime.now(UTC),
                )
                session.add(person)
                await session.flush()
            await grant_role(
                session,
                person=person,
                table=table,
                role=role,
                starts_on=date.today(),
                ends_on=None if role is Role.LEAD_COORDINATOR else settings.term_ends_on,
                actor_id=None,
            )
    finally:
        await engine.dispose()
    print(f"granted {role.value} to {telegram_id}")
    return 0


async def prepare_database(settings: Settings) -> None:
    """The newest schema and the tables of the tables file; safe to run again and again."""
    from storage.db import create_engine, create_sessionmaker
    from storage.tables_config import read_tables_file, sync_tables

    upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            await sync_tables(session, read_tables_file(settings.tables_file))
    finally:
        await engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
