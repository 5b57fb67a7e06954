"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.script import ScriptDirectory

from storage.migrate import alembic_config


async def test_models_and_migrations_agree(database_url: str) -> None:
    # Raises if autogenerate would produce any operation.
    await asyncio.to_thread(command.check, alembic_config(database_url))


def test_migrations_have_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://"))
    assert len(script.get_heads()) == 1, script.get_heads()
