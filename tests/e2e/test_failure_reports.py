"""A message that fails for good is reported to the person who caused it, in plain words."""

from __future__ import annotations

from sqlalchemy import select

from emulator.client import text_of
from scheduler.mail import Mailer
from storage.outbox import Delivery, EmailMessage, OutboxMessage, Outgoing, enqueue_email, queue
from storage.people import Person
from storage.roles import Role
from tests.e2e.conftest import Harness, shown
from tests.e2e.smtp_sink import Inbox

NOTICE = (
    "Viestiäsi ei saatu perille. Sitä ei saanut: Matti.\n"
    "Telegram ei ottanut viestiä vastaan. Lähetä lyhyempi viesti "
    "tai pyydä apua koordinaattorilta."
)


async def person_id(harness: Harness, user: object) -> int:
    async with harness.db() as session:
        found = await session.scalar(
            select(Person.id).where(Person.telegram_id == user.id)  # type: ignore[attr-defined]
        )
        assert found is not None
        return found


async def test_a_message_telegram_refuses_is_reported_to_its_author_once(
    harness: Harness,
) -> None:
    author = await harness.person("Kaija", Role.COORDINATOR)
    matti = await harness.person("Matti")
    author_id, matti_id = await person_id(harness, author), await person_id(harness, matti)
    # Rows that got past every check at input (as before the checks): Telegram refuses them.
    async with harness.db() as session:
        for batch in ("kokeilu", "kokeilu/2"):
            await queue(
                session,
                batch=batch,
                messages=[Outgoing(matti.id, "🌷" * 2049, person_id=matti_id)],
                now=harness.clock.now(),
                originator_id=author_id,
            )
    await harness.settle()
    notice = await shown(author, "Viestiäsi ei saatu perille.")
    assert text_of(notice) == NOTICE
    notices = [m for m in await author.history() if "ei saatu perille" in text_of(m)]
    assert len(notices) == 1  # both parts failed: one notice
    assert not any("🌷" in text_of(m) for m in await matti.history())
    async with harness.db() as session:
        rows = {r.batch: r.status for r in await session.scalars(select(OutboxMessage))}
    assert rows["kokeilu"] is Delivery.FAILED and rows["kokeilu/2"] is Delivery.FAILED
    assert rows["failed:kokeilu"] is Delivery.SENT


async def test_an_e_mail_that_cannot_be_sent_is_reported_to_its_author(
    harness: Harness, smtp: tuple[Inbox, int]
) -> None:
    _, port = smtp
    harness.app.outbox.mailer = Mailer(host="127.0.0.1", port=port, sender="botti@lahti.fi")
    author = await harness.person("Kaija", Role.COORDINATOR, language="en")
    author_id = await person_id(harness, author)
    async with harness.db() as session:
        await enqueue_email(
            session,
            batch="tiedote",
            recipients={"matti@example.fi\r\nBcc: x@example.fi": None},
            subject="Tiedote",
            body="Hei.",
            now=harness.clock.now(),
            originator_id=author_id,
        )
    await harness.settle()
    notice = await shown(author, "could not be delivered")
    assert text_of(notice) == (
        "The e-mail could not be delivered to matti@example.fi\r\nBcc: x@example.fi.\n"
        "Check the address or ask the coordinator for help."
    )
    async with harness.db() as session:
        (row,) = await session.scalars(select(EmailMessage))
        assert row.status is Delivery.FAILED
