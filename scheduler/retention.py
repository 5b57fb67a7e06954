"""The daily job that forgets personal data kept long enough (README, "Privacy")."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from core.settings import Settings
from storage.personal import RetentionDays, apply_retention

log = logging.getLogger(__name__)

DAY = 24 * 60 * 60.0


def retention_days(settings: Settings) -> RetentionDays:
    return RetentionDays(
        outbox=settings.retention_outbox_days,
        email=settings.retention_email_days,
        replies=settings.retention_replies_days,
        updates=settings.retention_updates_days,
        audit=settings.retention_audit_days,
        invites=settings.retention_invites_days,
    )


async def forget_old(
    sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, settings: Settings
) -> dict[str, int]:
    """One run: every step in one transaction; how many rows each step touched."""
    async with sessionmaker() as session, session.begin():
        done = await apply_retention(session, clock.now(), retention_days(settings))
    touched = {table: count for table, count in done.items() if count}
    if touched:
        log.info("retention: %s", ", ".join(f"{t} {n}" for t, n in sorted(touched.items())))
    return done
