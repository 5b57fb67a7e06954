"""Before start: can the database and the Bot API be reached with these settings?

Each problem becomes a `SettingError`, one line naming the key, instead of a traceback from
deep inside a driver. Passwords and the token are never part of the line.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import asyncpg
from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from core.settings import SettingError, Settings
from storage.db import create_engine

DATABASE = "POYTABOT_DATABASE_URL"
CONNECT_TIMEOUT = 10.0


def _causes(error: BaseException) -> list[BaseException]:
    """The error and what it wraps (SQLAlchemy's `orig`, `raise … from`), outermost first."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else current.__cause__
    return chain


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.errno and error.errno > 0:
        return os.strerror(error.errno).lower()  # not asyncio's "Connect call failed (…)"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    if isinstance(error, TimeoutError):
        return "no answer"
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def database_problem(url: str, error: BaseException) -> SettingError:
    """What went wrong with the database, in one line without the password."""
    parsed = make_url(url)
    causes = _causes(error)
    if parsed.get_backend_name() == "sqlite":
        found = next((e for e in causes if isinstance(e, sqlite3.Error)), error)
        return SettingError(
            DATABASE, f"cannot open the SQLite file {parsed.database} ({_reason(found)})"
        )
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    for cause in causes:
        if isinstance(cause, asyncpg.InvalidPasswordError):
            return SettingError(
                DATABASE, f"PostgreSQL at {where} refused the password of user {parsed.username}"
            )
        if isinstance(cause, asyncpg.InvalidAuthorizationSpecificationError):
            return SettingError(DATABASE, f"PostgreSQL at {where} refused user {parsed.username}")
        if isinstance(cause, asyncpg.InvalidCatalogNameError):
            return SettingError(
                DATABASE, f"PostgreSQL at {where} has no database {parsed.database}"
            )
        if isinstance(cause, (OSError, TimeoutError)):
            return SettingError(
                DATABASE, f"cannot connect to PostgreSQL at {where} ({_reason(cause)})"
            )
    return SettingError(DATABASE, f"PostgreSQL at {where}: {_reason(causes[-1])}")


def sqlite_folder(url: str) -> None:
    """A SQLite file's folder is made if missing (`var/` on a fresh checkout)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    folder = Path(str(parsed.database)).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SettingError(
            DATABASE,
            f"the folder {folder} for the SQLite file is missing and cannot be made "
            f"({_reason(error)})",
        ) from None


async def check_database(url: str) -> None:
    sqlite_folder(url)
    engine = create_engine(url)
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (DBAPIError, OSError, TimeoutError, asyncpg.PostgresError) as error:
        raise database_problem(url, error) from None
    finally:
        await engine.dispose()


async def check_bot_api(settings: Settings) -> None:
    """getMe: the Bot API answers, and knows the token."""
    from bot.app import create_bot

    bot = create_bot(settings)
    try:
        await bot.get_me(request_timeout=int(CONNECT_TIMEOUT))
    except TelegramUnauthorizedError:
        raise SettingError(
            "POYTABOT_BOT_TOKEN", "the Bot API does not know this token; check it with @BotFather"
        ) from None
    except TelegramNetworkError as error:
        raise SettingError(
            "POYTABOT_API_BASE_URL",
            f"cannot reach the Bot API at {settings.api_base_url} ({_api_reason(error)})",
        ) from None
    finally:
        await bot.session.close()


def _api_reason(error: TelegramNetworkError) -> str:
    causes = _causes(error)
    os_error = next(
        (e for e in causes if isinstance(e, OSError) and (e.errno or e.strerror)), None
    )
    if os_error is not None:
        return _reason(os_error)
    return error.message.removeprefix("HTTP Client says - ").split(":")[0].strip() or "no answer"


async def preflight(settings: Settings, *, bot_api: bool = True) -> None:
    await check_database(settings.database_url)
    if bot_api:
        await check_bot_api(settings)
