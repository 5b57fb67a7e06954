"""The application factory: one place that wires settings, storage, bot, dispatcher, ticks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import ErrorEvent, LinkPreviewOptions, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.i18n import PersonLanguageMiddleware, create_i18n
from bot.intake import Intake, handler_slots
from bot.middlewares import (
    AnswerRefusals,
    CommitBeforeReply,
    FloodCounter,
    FloodGuard,
    PersonMiddleware,
    TransactionMiddleware,
    UnchangedEditIsDone,
)
from bot.responses import KeepResponseTypes
from bot.shared import create_shared
from core.clock import Clock
from core.settings import TELEGRAM_API, Settings
from handlers import get_routers
from notify.commands import publish_default_commands
from scheduler import Ticker
from scheduler.announcements import ProgressReporter
from scheduler.limits import BotPause, Limiter, PaceEveryCall
from scheduler.meetings import meetings_tick
from scheduler.outbox import OutboxSender
from scheduler.reminders import TICK_SECONDS as REMINDER_TICK_SECONDS
from scheduler.reminders import register_jobs as register_reminder_jobs
from scheduler.reminders import sync_terms
from scheduler.retention import DAY, forget_old
from scheduler.votes import close_due_ballots
from storage.db import create_engine, create_sessionmaker
from storage.sealing import BallotKey
from storage.tables_config import read_tables_file, sync_tables
from views.language import language_from_telegram

log = logging.getLogger(__name__)


@dataclass
class App:
    """Everything long-lived, created once; handlers receive these as workflow data."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    bot: Bot
    dispatcher: Dispatcher
    i18n: I18n
    clock: Clock
    ticker: Ticker
    outbox: OutboxSender
    intake: Intake
    extra: dict[str, object] = field(default_factory=dict)


def create_bot(settings: Settings) -> Bot:
    session = None
    if settings.api_base_url != TELEGRAM_API:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.api_base_url))
    bot = Bot(
        settings.token(),
        session=session,
        default=DefaultBotProperties(
            parse_mode=ParseMode.HTML, link_preview=LinkPreviewOptions(is_disabled=True)
        ),
    )
    bot.session.middleware(CommitBeforeReply())
    bot.session.middleware(KeepResponseTypes())
    bot.session.middleware(UnchangedEditIsDone())
    return bot


def create_dispatcher(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    i18n: I18n,
    fsm_storage: BaseStorage | None = None,
    flood_counter: FloodCounter | None = None,
    **workflow_data: object,
) -> Dispatcher:
    dispatcher = Dispatcher(storage=fsm_storage or MemoryStorage())
    dispatcher.workflow_data.update(
        settings=settings, sessionmaker=sessionmaker, clock=clock, **workflow_data
    )
    dispatcher.workflow_data["i18n"] = i18n
    dispatcher.update.outer_middleware(FloodGuard(settings.flood_limit, counter=flood_counter))
    dispatcher.update.outer_middleware(TransactionMiddleware(sessionmaker, clock))
    dispatcher.update.outer_middleware(PersonMiddleware(settings, clock))
    # The error handler runs after the update's session is gone; it picks its own language.
    PersonLanguageMiddleware(i18n).setup(dispatcher, exclude={"error"})
    refusals = AnswerRefusals()
    dispatcher.message.outer_middleware(refusals)
    dispatcher.callback_query.outer_middleware(refusals)
    dispatcher.include_routers(*get_routers())
    dispatcher.errors.register(report_error)
    return dispatcher


async def report_error(event: ErrorEvent, i18n: I18n, session: AsyncSession | None = None) -> None:
    log.error("update %s failed", event.update.update_id, exc_info=event.exception)
    # A reply shown before the failure committed the update's work: it must not be denied.
    saved = session is not None and bool(session.info.get("committed"))
    query = event.update.callback_query
    message = event.update.message or (query.message if query else None)
    if not isinstance(message, Message) or message.chat.type != "private":
        return
    sender = message.from_user if event.update.message else (query.from_user if query else None)
    language = language_from_telegram(
        sender.language_code if sender else None, i18n.default_locale
    )
    with i18n.context(), i18n.use_locale(language):
        if saved:
            await message.answer(
                _("Jokin meni vikaan. Tekemäsi muutos on kuitenkin tallennettu. Katso /valikko.")
            )
        else:
            await message.answer(
                _("Jokin meni vikaan. Mitään ei tallennettu. Yritä hetken päästä uudelleen.")
            )


async def build_app(
    settings: Settings,
    clock: Clock | None = None,
    fsm_storage: BaseStorage | None = None,
    outbox_interval: float = 1.0,
    reminder_interval: float = REMINDER_TICK_SECONDS,
    votes_interval: float = 30.0,
    limiter: Limiter | None = None,
) -> App:
    """Wire everything; the database must already be migrated (see storage.migrate)."""
    clock = clock or Clock()
    engine = create_engine(settings.database_url)
    sessionmaker = create_sessionmaker(engine, BallotKey(settings.secret_ballot_key()))
    async with sessionmaker() as session, session.begin():
        await sync_tables(session, read_tables_file(settings.tables_file))
    i18n = create_i18n(settings.default_language)
    bot = create_bot(settings)
    shared = create_shared(settings, sessionmaker)
    limiter = limiter or Limiter.for_rate(settings.outbox_rate, BotPause(shared.pause))
    outbox = OutboxSender.from_settings(bot, sessionmaker, clock, settings, limiter, i18n)
    bot.session.middleware(PaceEveryCall(outbox.limiter))
    outbox.add_listener(ProgressReporter(outbox, sessionmaker, i18n, clock))
    ticker = Ticker()
    ticker.every(outbox_interval, outbox.drain, "outbox")
    ticker.every(
        votes_interval,
        partial(close_due_ballots, sessionmaker, bot, clock, i18n, settings),
        "votes",
    )
    ticker.every(
        max(outbox_interval, 1.0),
        partial(meetings_tick, sessionmaker, bot, clock, i18n, settings),
        "meetings",
    )
    ticker.every(DAY, partial(forget_old, sessionmaker, clock, settings), "retention")
    register_reminder_jobs(
        ticker,
        sessionmaker,
        clock,
        i18n,
        default_zone=settings.timezone,
        interval=reminder_interval,
    )
    dispatcher = create_dispatcher(
        settings,
        sessionmaker,
        clock,
        i18n,
        fsm_storage or shared.fsm,
        shared.flood,
        outbox=outbox,
        ticker=ticker,
    )
    pool_size = getattr(engine.pool, "size", lambda: 5)()
    intake = Intake(dispatcher, bot, sessionmaker, clock, slots=handler_slots(pool_size))
    app = App(settings, engine, sessionmaker, bot, dispatcher, i18n, clock, ticker, outbox, intake)

    async def on_startup() -> None:
        await publish_default_commands(bot, i18n)
        await sync_terms(sessionmaker, clock, default_zone=settings.timezone)
        ticker.start()

    async def on_shutdown() -> None:
        outbox.stop()
        await ticker.stop()

    dispatcher.startup.register(on_startup)
    dispatcher.shutdown.register(on_shutdown)
    return app


@asynccontextmanager
async def running(app: App) -> AsyncIterator[None]:
    """Start-up hooks and the intake's handlers; on leaving, the work under way finishes.

    Whatever is still queued then is handled at the next start."""
    workflow = {"dispatcher": app.dispatcher, "bots": [app.bot], **app.dispatcher.workflow_data}
    await app.dispatcher.emit_startup(bot=app.bot, **workflow)
    handling = asyncio.create_task(app.intake.run())
    try:
        yield
    finally:
        log.info("stopping: finishing the updates under way")
        await app.intake.stop()
        await handling
        await app.dispatcher.emit_shutdown(bot=app.bot, **workflow)


async def close_app(app: App) -> None:
    app.outbox.stop()
    await app.ticker.stop()
    await app.bot.session.close()
    await app.dispatcher.storage.close()
    await app.engine.dispose()
