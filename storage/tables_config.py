"""The city's tables come from a TOML file; start-up brings the database in line with it."""

from __future__ import annotations

import tomllib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.people import Table

DEFAULT_TABLES_FILE = Path(__file__).with_name("tables.toml")


class TablesFileError(ValueError):
    pass


def read_tables_file(path: Path | None) -> list[dict[str, str]]:
    path = path or DEFAULT_TABLES_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise TablesFileError(f"{path}: {error}") from None
    tables = data.get("tables")
    if not isinstance(tables, list) or not tables:
        raise TablesFileError(f"{path}: needs at least one [[tables]] entry")
    for entry in tables:
        missing = [key for key in ("slug", "fi", "sv", "en") if not entry.get(key)]
        if missing:
            raise TablesFileError(f"{path}: a table lacks {', '.join(missing)}")
    return tables


async def sync_tables(session: AsyncSession, entries: list[dict[str, str]]) -> None:
    """Add new tables and rename existing ones; never delete (history points at them)."""
    existing = {t.slug: t for t in await session.scalars(select(Table))}
    for position, entry in enumerate(entries):
        table = existing.get(entry["slug"])
        if table is None:
            table = Table(slug=entry["slug"], group_is_forum=False)
            session.add(table)
        table.name_fi, table.name_sv, table.name_en = entry["fi"], entry["sv"], entry["en"]
        table.timezone = entry.get("timezone", "Europe/Helsinki")
        table.position = position
    await session.flush()
