"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from alembic import command
from alembic.script import ScriptDirectory

from storage.migrate import alembic_config


async def test_models_and_migrations_agree(database_url: str) -> None:
    # Raises if autogenerate would produce any operation.
    await asyncio.to_thread(command.check, alembic_config(database_url))


def test_migrations_have_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://"))
    assert len(script.get_heads()) == 1, script.get_heads()


async def test_sealing_stops_while_an_open_election_holds_plain_votes(database_url: str) -> None:
    """Plain votes of an open election cannot be sealed without the key, nor dropped: the
    upgrade to 0009 stops, says why, and leaves them; once the ballot is closed it goes on."""
    from sqlalchemy import text

    from storage.db import create_engine

    config = alembic_config(database_url)
    await asyncio.to_thread(command.downgrade, config, "0008")
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO tables (id, slug, name_fi, name_sv, name_en, timezone,"
                    " group_is_forum, position)"
                    " VALUES (900, 'vaali', 'Vaali', 'Val', 'Vote', 'Europe/Helsinki', false, 0)"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO ballots (id, table_id, kind, title, secret, options, opened_at,"
                    " closes_at, status) VALUES (900, 900, 'chair', 'Vaali', true, '[\"empty\"]',"
                    " '2026-09-01 09:00:00', '2026-09-02 09:00:00', 'open')"
                )
            )
            await connection.execute(
                text("INSERT INTO secret_choices VALUES ('ab', 900, 'empty')")
            )
        with pytest.raises(RuntimeError) as caught:
            await asyncio.to_thread(command.upgrade, config, "head")
        assert str(caught.value) == (
            "migration 0009: 1 secret votes wait in open ballots; let those ballots close on"
            " the previous version, then upgrade"
        )
        async with engine.begin() as connection:
            assert await connection.scalar(text("SELECT option FROM secret_choices")) == "empty"
            assert await connection.scalar(text("SELECT version_num FROM alembic_version")) == (
                "0008"
            )
            await connection.execute(text("UPDATE ballots SET status = 'closed'"))
        await asyncio.to_thread(command.upgrade, config, "head")
        async with engine.begin() as connection:
            assert await connection.scalar(text("SELECT count(*) FROM secret_choices")) == 0
    finally:
        await engine.dispose()
