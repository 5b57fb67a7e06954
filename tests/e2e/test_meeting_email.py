"""Meeting invitations by e-mail, with the .ics attached, for members who chose e-mail."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from icalendar import Calendar
from sqlalchemy import select

from emulator.client import buttons, text_of
from scheduler.mail import Mailer
from storage.announcements import Channel, ContactPreference
from storage.people import Person
from tests.e2e.conftest import Harness
from tests.e2e.smtp_sink import Inbox
from tests.e2e.test_meetings import ics_of, poll_with_group, reply, settle


async def _choose(harness: Harness, user: Any, address: str, channel: Channel) -> None:
    async with harness.db() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == user.id))
        assert person is not None
        person.email = address
        session.add(
            ContactPreference(person_id=person.id, channel=channel, updated_at=harness.clock.now())
        )


async def test_invitation_reaches_e_mail_choosers_with_the_ics(
    harness: Harness, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    harness.app.outbox.mailer = Mailer(
        host="127.0.0.1", port=port, sender="botti@lahti.fi", starttls=False
    )
    coordinator, (matti, aino, _outsider), _group, _meeting = await poll_with_group(harness)
    await _choose(harness, matti, "matti@example.fi", Channel.BOTH)
    await _choose(harness, aino, "aino@example.fi", Channel.EMAIL)

    listing = await reply(coordinator, coordinator.send("/kokoukset"), "Kokoukset:")
    view = await reply(
        coordinator, coordinator.press(buttons(listing)[1][0], listing), "Kyselyyn vastanneita"
    )
    await coordinator.press("Sulje kysely nyt", view)
    await settle(harness)
    await reply(coordinator, coordinator.press("Vahvista tämä aika"), "Aika on vahvistettu:")
    await settle(harness)

    # Matti chose both: the Telegram invitation and an e-mail. Aino chose e-mail only.
    await ics_of(matti, harness, "Kutsu kokoukseen.")
    assert not any("Kutsu kokoukseen." in text_of(m) for m in await aino.history())
    received = {tuple(to): message for to, message in inbox.messages}
    assert set(received) == {("matti@example.fi",), ("aino@example.fi",)}
    mail = received[("aino@example.fi",)]
    assert mail["Subject"] == "Kokouskutsu: Kevään kokous"
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None and "Kutsu kokoukseen." in body.get_content()
    assert "<b>" not in body.get_content()
    (attachment,) = [part for part in mail.iter_attachments()]
    assert attachment.get_filename().endswith(".ics")
    (event,) = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    start = event.decoded("dtstart")
    assert start.astimezone(harness.app.settings.zone).hour == 17
    assert start.astimezone(UTC).hour == 15
