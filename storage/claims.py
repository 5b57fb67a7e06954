"""Claiming due rows (outbox, e-mail, reminders, polls): one atomic take, safe with many workers.

On PostgreSQL the rows another worker holds are skipped (FOR UPDATE SKIP LOCKED); SQLite has a
single writer, so the select and the update below already run as one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def claim(
    session: AsyncSession,
    model: Any,
    *,
    due: ColumnElement[bool],
    order_by: Sequence[InstrumentedAttribute[Any]],
    limit: int,
    values: dict[str, Any],
) -> list[int]:
    """Take up to `limit` rows matching `due`, mark them with `values`, return their ids.

    Runs in the caller's transaction; the rows are ours once it commits.
    """
    query = select(model.id).where(due).order_by(*order_by).limit(limit)
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    ids = list(await session.scalars(query))
    if ids:
        await session.execute(
            update(model)
            .where(model.id.in_(ids))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    return ids
