"""Shared fixtures: databases built by the real migrations, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from storage.migrate import upgrade

POSTGRES_URL = os.environ.get("POYTABOT_TEST_POSTGRES_URL")
# Parallel checkouts sharing one server each name their own template, and each pytest-xdist
# worker of a run its own copy of it (a template cannot be copied while another session is
# connected to it, such as a worker still building it).
TEMPLATE_DB = "_".join(
    (
        os.environ.get("POYTABOT_TEST_PG_TEMPLATE", "poytabot_template"),
        os.environ.get("PYTEST_XDIST_WORKER", "main"),
    )
).lower()


def pytest_report_header(config: pytest.Config) -> str:
    if POSTGRES_URL:
        return f"PostgreSQL runs: {POSTGRES_URL}"
    return "PostgreSQL runs are skipped: set POYTABOT_TEST_POSTGRES_URL to include them"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


def _pg(url: str, database: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + database


async def _pg_admin(statement: str) -> None:
    import asyncpg

    assert POSTGRES_URL
    dsn = POSTGRES_URL.replace("postgresql+asyncpg", "postgresql")
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _build_postgres_template() -> None:
    assert POSTGRES_URL
    asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)"))
    asyncio.run(_pg_admin(f"CREATE DATABASE {TEMPLATE_DB}"))
    upgrade(_pg(POSTGRES_URL, TEMPLATE_DB))


@pytest.fixture(scope="session")
def postgres_template() -> str:
    # Requested from inside a running loop: build it in a thread with loops of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_build_postgres_template).result()
    return TEMPLATE_DB


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, fully migrated database for one test (copied from a migrated template)."""
    if request.param == "sqlite":
        path = tmp_path / "poytabot.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL run skipped: POYTABOT_TEST_POSTGRES_URL is not set")
    template = request.getfixturevalue("postgres_template")
    name = f"poytabot_t_{uuid.uuid4().hex[:12]}"
    await _pg_admin(f"CREATE DATABASE {name} TEMPLATE {template}")
    try:
        yield _pg(POSTGRES_URL, name)
    finally:
        await _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
