"""Every meeting message that goes to many people is written for each reader: a Finnish, a
Swedish and an English member each get the poll, the invitation (by e-mail too), the agenda and
the minutes in their own language, with no Finnish left in the Swedish and English copies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from emulator.client import buttons, text_of
from scheduler.mail import Mailer
from storage.announcements import Channel, ContactPreference
from storage.meetings import Meeting
from storage.people import Person
from storage.roles import Role
from tests.e2e.conftest import Harness, shown
from tests.e2e.smtp_sink import Inbox
from tests.e2e.test_meetings import idle, reply, settle, start_poll

# What each reader sees, by language: headings and button labels from the catalogs.
WORDS = {
    "fi": {
        "poll": "Kokousaikakysely: Kevään kokous",
        "answers": ["1: Sopii", "1: Tarvittaessa", "1: Ei sovi"],
        "closed": "Kokousaikakysely on päättynyt: Kevään kokous",
        "invitation": "Kutsu kokoukseen.",
        "coming": "Tulen",
        "agenda": "📋 Esityslista",
        "agenda_file": "Esityslista tiedostona.",
        "agenda_file_heading": "Esityslista",
        "minutes": "📄 Muistio on julkaistu: Kevään kokous",
    },
    "sv": {
        "poll": "Mötestidsenkät: Kevään kokous",
        "answers": ["1: Passar", "1: Vid behov", "1: Passar inte"],
        "closed": "Mötestidsenkäten är avslutad: Kevään kokous",
        "invitation": "Inbjudan till möte.",
        "coming": "Kommer",
        "agenda": "📋 Föredragningslista",
        "agenda_file": "Föredragningslistan som fil.",
        "agenda_file_heading": "Föredragningslista",
        "minutes": "📄 Protokollet är publicerat: Kevään kokous",
    },
    "en": {
        "poll": "Meeting time poll: Kevään kokous",
        "answers": ["1: Yes", "1: If need be", "1: No"],
        "closed": "The meeting time poll has closed: Kevään kokous",
        "invitation": "Invitation to a meeting.",
        "coming": "Coming",
        "agenda": "📋 Agenda",
        "agenda_file": "The agenda as a file.",
        "agenda_file_heading": "Agenda",
        "minutes": "📄 The minutes are published: Kevään kokous",
    },
}
# Finnish interface words; the meeting's title, place and minutes are the organiser's own text.
FINNISH = (
    "Kokousaikakysely",
    "Vastanneita",
    "Vastaa viimeistään",
    "Sopii",
    "Tarvittaessa",
    "Ei sovi",
    "Paikka:",
    "Aika:",
    " klo ",
    "kumppanuuspöytä",
    "· Kokous",
    "Kutsu kokoukseen",
    "Tuletko?",
    "Tulen",
    "Esityslista",
    "Muistio",
    "Järjestäjä",
)


async def _by_email_too(harness: Harness, user: Any, address: str) -> None:
    async with harness.db() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == user.id))
        assert person is not None
        person.email = address
        session.add(
            ContactPreference(
                person_id=person.id, channel=Channel.BOTH, updated_at=harness.clock.now()
            )
        )


def _no_finnish(texts: list[str]) -> None:
    for text in texts:
        found = [word for word in FINNISH if word in text]
        assert not found, (found, text)


async def test_poll_invitation_agenda_and_minutes_in_each_readers_language(
    harness: Harness, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    harness.app.outbox.mailer = Mailer(
        host="127.0.0.1", port=port, sender="botti@lahti.fi", starttls=False
    )
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    readers = {
        "fi": await harness.person("Matti", Role.MEMBER),
        "sv": await harness.person("Sven", Role.MEMBER, language="sv"),
        "en": await harness.person("Emma", Role.MEMBER, language="en"),
    }
    await _by_email_too(harness, readers["en"], "emma@example.fi")

    # The poll, with its answer buttons.
    await start_poll(harness, coordinator, times="14.1. 17-19\n15.1. 17-19", deadline="10.1. 16")
    await shown(coordinator, "Kysely on lähetetty 4 jäsenelle.")
    await settle(harness)
    for language, user in readers.items():
        poll = await shown(user, WORDS[language]["poll"])
        assert WORDS[language]["answers"] in buttons(poll)

    # Closed early by the organiser, then confirmed: the invitation, with its RSVP buttons.
    listing = await reply(coordinator, coordinator.send("/kokoukset"), "Kokoukset:")
    card = await reply(
        coordinator, coordinator.press(buttons(listing)[1][0], listing), "Kyselyyn vastanneita"
    )
    await coordinator.press("Sulje kysely nyt", card)
    await settle(harness)
    await reply(coordinator, coordinator.press("Vahvista tämä aika"), "Aika on vahvistettu:")
    await settle(harness)
    for language, user in readers.items():
        await shown(user, WORDS[language]["closed"])
        invitation = await shown(user, WORDS[language]["invitation"])
        assert invitation.get("document"), invitation
        assert buttons(invitation)[0][0] == WORDS[language]["coming"]
    ((to, mail),) = inbox.messages
    assert to == ["emma@example.fi"]
    assert mail["Subject"] == "Meeting invitation: Kevään kokous"
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None and "Invitation to a meeting." in body.get_content()
    _no_finnish([mail["Subject"], body.get_content()])

    # The agenda, as messages and as a printable file.
    listing = await reply(coordinator, coordinator.send("/kokoukset"), "Kokoukset:")
    card = await reply(coordinator, coordinator.press(buttons(listing)[1][0], listing), "Tulossa:")
    organise = await reply(
        coordinator, coordinator.press("🗂 Käsittele esityslista", card), "Esityslista: Kevään"
    )
    await coordinator.press("📣 Julkaise esityslista", organise)
    await settle(harness)
    for language, user in readers.items():
        await shown(user, WORDS[language]["agenda"])
        document = await shown(user, WORDS[language]["agenda_file"])
        content = (await harness.emu.download(document["document"]["file_id"])).decode("utf-8-sig")
        assert WORDS[language]["agenda_file_heading"] in content.splitlines()

    # The minutes, once the meeting has begun.
    await idle(harness)
    async with harness.db() as session:
        starts = await session.scalar(select(Meeting.starts_at))
    assert starts is not None
    harness.clock.advance(starts - harness.clock.now() + timedelta(hours=3))
    await reply(
        coordinator, coordinator.press("📝 Lisää muistio", card), "Lähetä muistio tiedostona"
    )
    await reply(
        coordinator,
        coordinator.send("Päätökset: kahvit pidetään maaliskuussa."),
        "Valitse kaksi pöytäkirjantarkastajaa.",
    )
    await coordinator.press("Ei tarkastajia")
    await shown(coordinator, "Muistio on julkaistu. Kaikki saavat sen.")
    await settle(harness)
    for language, user in readers.items():
        minutes = await shown(user, WORDS[language]["minutes"])
        assert "kahvit pidetään maaliskuussa" in text_of(minutes)

    # Nothing the Swedish and English members were sent is in Finnish.
    for language in ("sv", "en"):
        history = await readers[language].history()
        _no_finnish([text_of(m) for m in history])
        _no_finnish([label for m in history for row in buttons(m) for label in row])
