"""E-mail rows: a header a person typed cannot break an e-mail, and one bad row blocks none."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from scheduler.mail import Mailer, header_value
from scheduler.outbox import OutboxSender
from storage.db import create_engine, create_sessionmaker
from storage.outbox import Delivery, EmailMessage, enqueue_email
from tests.e2e.smtp_sink import Inbox, smtp_server


@pytest.fixture
async def sessionmaker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as running:
        yield running


def test_a_header_is_one_line_of_at_most_200_characters() -> None:
    assert header_value("Kokouskutsu: Kevään\nkokous\r\n\tosa 2\x00") == (
        "Kokouskutsu: Kevään kokous osa 2"
    )
    long = header_value("ä" * 300)
    assert len(long) == 200 and long.endswith("…")


async def test_a_two_line_subject_is_sent_and_a_broken_row_blocks_no_other(
    sessionmaker: async_sessionmaker[AsyncSession], smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    now = datetime.now(UTC)
    async with sessionmaker() as session, session.begin():
        for batch, address, subject in [
            ("two-lines", "matti@example.fi", "Kokouskutsu: Kevään\nkokous"),
            # An address `email` refuses to put in a header: this row can never be sent.
            ("broken", "aino@example.fi\r\nBcc: x@example.fi", "Kokouskutsu"),
            ("after", "liisa@example.fi", "Kokouskutsu: " + "🌷" * 190),
        ]:
            await enqueue_email(
                session,
                batch=batch,
                recipients={address: None},
                subject=subject,
                body="Tervetuloa.",
                now=now,
            )
    mailer = Mailer(host="127.0.0.1", port=port, sender="botti@lahti.fi")
    sender = OutboxSender(Any, sessionmaker, Clock(), mailer=mailer)  # type: ignore[arg-type]
    assert await sender.drain() == 3
    async with sessionmaker() as session:
        rows = {r.batch: r for r in await session.scalars(select(EmailMessage))}
    assert {batch: row.status for batch, row in rows.items()} == {
        "two-lines": Delivery.SENT,
        "broken": Delivery.FAILED,
        "after": Delivery.SENT,
    }
    assert rows["broken"].error is not None and rows["broken"].error.startswith("cannot compose")
    received = {tuple(to): message for to, message in inbox.messages}
    assert set(received) == {("matti@example.fi",), ("liisa@example.fi",)}
    assert received[("matti@example.fi",)]["Subject"] == "Kokouskutsu: Kevään kokous"
    assert len(received[("liisa@example.fi",)]["Subject"]) == 200
