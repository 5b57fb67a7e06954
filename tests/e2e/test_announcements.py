"""Announcements end to end: a coordinator writes, members receive, the author sees the report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from emulator.client import buttons, text_of, wait_until
from scheduler.mail import Mailer
from storage.announcements import (
    Acknowledgement,
    Announcement,
    AnnouncementStatus,
    Channel,
    ContactPreference,
    Reply,
)
from storage.outbox import Delivery, OutboxMessage
from storage.people import Person, Table
from storage.roles import Role
from tests.e2e.conftest import Harness, shown
from tests.e2e.smtp_sink import Inbox

NOT_YOURS = "Sinulla ei ole oikeutta tähän."


async def write(author: Any, text: str) -> dict[str, Any]:
    await author.send("/tiedote")
    await author.expect_message("Kirjoita tiedote")
    await author.send(text)
    return await author.expect_message()


async def to_all_members(author: Any, text: str) -> dict[str, Any]:
    """Write, pick "everyone", and stop at the preview's question."""
    question = await write(author, text)
    assert "Ketkä pöydistä" in text_of(question)
    await author.press("Kaikki jäsenet")
    return await next_with(author, "Lähetetäänkö?")


async def next_with(user: Any, containing: str) -> dict[str, Any]:
    """Read the chat on until a message with the text comes (the preview may be long)."""
    for _ in range(10):
        message = await user.expect_message()
        if containing in text_of(message):
            return message
    raise AssertionError(f"no {containing!r}")


async def finished(harness: Harness) -> None:
    async def done() -> bool:
        async with harness.db() as session:
            statuses = list(await session.scalars(select(Announcement.status)))
        return bool(statuses) and all(s is AnnouncementStatus.DONE for s in statuses)

    await wait_until(done, timeout=10)


async def test_coordinator_announces_to_own_table(harness: Harness) -> None:
    coordinator = await harness.person("Kaisa", Role.COORDINATOR)
    anna = await harness.person("Anna", Role.MEMBER)
    pekka = await harness.person("Pekka", Role.CHAIR)
    ville = await harness.person("Ville", Role.MEMBER, "keskusta")

    question = await write(coordinator, "Kokous siirtyy <torstaille> 16.1.")
    assert "Ketkä pöydistä" in text_of(question)
    await coordinator.press("Kaikki jäsenet")
    preview = await coordinator.expect_message("Kokous siirtyy")
    assert "<torstaille>" in text_of(preview)
    options = await coordinator.expect_message("Vastaanottajia: 2 henkilöä ja 0 ryhmää.")
    assert "esikatselu" in text_of(options)
    assert ["📤 Lähetä nyt"] in buttons(options)
    await coordinator.press("📤 Lähetä nyt")

    for member in (anna, pekka):
        got = await member.expect_message("Kokous siirtyy <torstaille> 16.1.")
        assert "Tiedote – Pohjoinen kumppanuuspöytä" in text_of(got)
        assert "– Kaisa" in text_of(got)
    await ville.expect_no_message(within=0.3)
    await finished(harness)
    report = await shown(coordinator, "Tiedote on lähetetty.")
    assert "Perillä: 2\nEstänyt botin: 0\nEi ole aloittanut bottia: 0\nEpäonnistui: 0" in text_of(
        report
    )
    async with harness.db() as session:
        sent = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == Delivery.SENT)
        )
    assert sent == 2


async def test_lead_coordinator_picks_several_tables_and_chairs_only(harness: Harness) -> None:
    lead = await harness.person("Liisa", Role.LEAD_COORDINATOR, None)
    north_chair = await harness.person("Pekka", Role.CHAIR)
    south_chair = await harness.person("Sanna", Role.VICE_CHAIR, "etelainen")
    east_chair = await harness.person("Iida", Role.CHAIR, "itainen")
    member = await harness.person("Anna", Role.MEMBER)

    question = await write(lead, "Puheenjohtajien tapaaminen")
    assert "Valitse pöydät" in text_of(question)
    await lead.press("▫️ Pohjoinen kumppanuuspöytä")
    await lead.press("▫️ Eteläinen kumppanuuspöytä")
    await lead.press("Jatka")
    await lead.expect_message("Ketkä pöydistä")
    await lead.press("Vain puheenjohtajat")
    await lead.expect_message("Puheenjohtajien tapaaminen")
    await lead.expect_message("Vastaanottajia: 2 henkilöä")
    await lead.press("📤 Lähetä nyt")
    for chair in (north_chair, south_chair):
        await chair.expect_message("Puheenjohtajien tapaaminen")
    await east_chair.expect_no_message(within=0.3)
    await member.expect_no_message(within=0.1)


async def test_group_gets_it_pinned_and_readers_acknowledge(harness: Harness) -> None:
    coordinator = await harness.person("Kaisa", Role.COORDINATOR)
    anna = await harness.person("Anna", Role.MEMBER)
    group = await harness.emu.create_group("Pohjoinen", members=[coordinator, anna])
    await group.add_bot(by=coordinator, admin=True)
    async with harness.db() as session:
        await session.execute(
            update(Table).where(Table.slug == "pohjoinen").values(group_chat_id=group.id)
        )

    options = await to_all_members(coordinator, "Tärkeä: uusi kokouspaikka")
    assert "1 ryhmää" in text_of(options)
    await coordinator.press("▫️ Kiinnitä ryhmässä")
    await coordinator.press("▫️ Olen lukenut -nappi")
    await coordinator.press("📤 Lähetä nyt")

    posted = await shown(anna, "Tärkeä: uusi kokouspaikka", chat=group)
    got = await anna.expect_message("Tärkeä: uusi kokouspaikka")
    assert buttons(got) == [["✅ Olen lukenut"]]
    await wait_until(lambda: _pinned(group, posted["message_id"]))
    answer = await anna.press("✅ Olen lukenut", got)
    assert answer["text"] == "Kiitos! Kuittaus on tallennettu."
    again = await anna.press("✅ Olen lukenut", got)
    assert again["text"] == "Olet jo kuitannut tämän tiedotteen."
    outsider = await harness.person("Olli", Role.MEMBER, "keskusta")
    welcome = (await outsider.history())[-1]
    forged = await outsider.press_data(welcome, _ack_data(got))
    assert forged["text"] == "Tämä nappi ei ole sinulle."

    await finished(harness)
    report = await shown(coordinator, "Ryhmät: 1/1")
    await coordinator.press("👀 Kuka on lukenut?", report)
    readers = await coordinator.expect_message("Lukeneet (1):")
    assert "• Anna" in text_of(readers)
    async with harness.db() as session:
        acks = await session.scalar(select(func.count()).select_from(Acknowledgement))
    assert acks == 1


def _ack_data(message: dict[str, Any]) -> str:
    return str(message["reply_markup"]["inline_keyboard"][0][0]["callback_data"])


async def _pinned(group: Any, message_id: int) -> bool:
    history = await group.history()
    return any(m["message_id"] == message_id and m.get("pinned") for m in history)


async def test_report_counts_blocked_never_started_and_email_only(
    harness: Harness, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    harness.app.outbox.mailer = Mailer(
        host="127.0.0.1", port=port, sender="botti@lahti.fi", starttls=False
    )
    coordinator = await harness.person("Kaisa", Role.COORDINATOR)
    anna = await harness.person("Anna", Role.MEMBER)
    bertta = await harness.person("Bertta", Role.MEMBER)
    await bertta.block_bot()
    await harness.person("Cecilia", Role.MEMBER, started=False)
    dora = await harness.person("Dora", Role.MEMBER)
    async with harness.db() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == dora.id))
        assert person is not None
        person.email = "dora@example.fi"
        session.add(
            ContactPreference(
                person_id=person.id, channel=Channel.EMAIL, updated_at=harness.clock.now()
            )
        )

    await coordinator.send("/tiedote")
    await coordinator.expect_message("Kirjoita tiedote")
    await coordinator.send_document(
        "esityslista.pdf",
        b"%PDF-1.4 esityslista",
        caption="Esityslista liitteenä",
        mime_type="application/pdf",
    )
    await coordinator.expect_message("Ketkä pöydistä")
    await coordinator.press("Kaikki jäsenet")
    await coordinator.expect_message("Esityslista liitteenä")
    options = await coordinator.expect_message("Lähetetäänkö?")
    assert "Vastaanottajia: 4 henkilöä ja 0 ryhmää.\nSähköpostilla: 1." in text_of(options)
    await coordinator.press("📤 Lähetä nyt")

    got = await anna.expect_message("Esityslista liitteenä")
    assert got["document"]["file_name"] == "esityslista.pdf"
    await finished(harness)
    report = text_of(await shown(coordinator, "Tiedote on lähetetty."))
    assert report == (
        "Tiedote on lähetetty.\n\nPerillä: 1\nEstänyt botin: 1\n"
        "Ei ole aloittanut bottia: 1\nEpäonnistui: 0\nSähköpostilla: 1"
    )
    await dora.expect_no_message(within=0.1)

    assert len(inbox.messages) == 1
    recipients, mail = inbox.messages[0]
    assert recipients == ["dora@example.fi"]
    assert mail["Subject"] == "Tiedote: Pohjoinen kumppanuuspöytä"
    assert mail["From"] == "botti@lahti.fi"
    parts = list(mail.walk())
    body = next(p for p in parts if p.get_content_type() == "text/plain")
    assert "Esityslista liitteenä" in body.get_content()
    attachment = next(p for p in parts if p.get_filename() == "esityslista.pdf")
    assert attachment.get_payload(decode=True) == b"%PDF-1.4 esityslista"
    async with harness.db() as session:
        blocked = await session.scalar(select(Person).where(Person.first_name == "Bertta"))
    assert blocked is not None and blocked.private_chat_open is False


async def test_scheduled_announcement_waits_for_its_time(harness: Harness) -> None:
    coordinator = await harness.person("Kaisa", Role.COORDINATOR)
    anna = await harness.person("Anna", Role.MEMBER)
    await to_all_members(coordinator, "Muistathan kokouksen")
    await coordinator.press("🕒 Ajasta")
    await coordinator.expect_message("Milloin tiedote lähtee?")
    later = harness.clock.now().astimezone(harness.app.settings.zone) + timedelta(days=2)
    await coordinator.send(f"{later.day}.{later.month}. 17.00")
    confirmed = await coordinator.expect_message("Tiedote on ajastettu:")
    assert "klo 17.00" in text_of(confirmed)
    await anna.expect_no_message(within=0.5)

    harness.clock.advance(timedelta(days=3))
    await anna.expect_message("Muistathan kokouksen")
    await finished(harness)
    await shown(coordinator, "Perillä: 1")


async def test_member_replies_privately_and_coordinator_answers(harness: Harness) -> None:
    coordinator = await harness.person("Kaisa", Role.COORDINATOR)
    anna = await harness.person("Anna", Role.MEMBER)
    await to_all_members(coordinator, "Kuka tulee talkoisiin?")
    await coordinator.press("📤 Lähetä nyt")
    announcement = await anna.expect_message("Kuka tulee talkoisiin?")
    await finished(harness)

    welcome = (await anna.history())[0]
    await anna.send("Tämä ei ole vastaus tiedotteeseen", reply_to=welcome["message_id"])
    await anna.expect_message("En ymmärtänyt.")
    await anna.send("Minä tulen <3", reply_to=announcement["message_id"])
    await anna.expect_message("Kiitos! Välitin viestisi koordinaattorille.")
    forwarded = await shown(coordinator, "Anna vastasi tiedotteeseen")
    assert "Minä tulen <3" in text_of(forwarded)
    await coordinator.press("↩️ Vastaa", forwarded)
    await shown(coordinator, "Kirjoita vastauksesi.")
    await coordinator.send("Kiitos, nähdään!")
    await shown(coordinator, "Vastaus on lähetetty.")
    answer = await anna.expect_message("Koordinaattori Kaisa vastasi")
    assert "Kiitos, nähdään!" in text_of(answer)
    async with harness.db() as session:
        reply = await session.scalar(select(Reply))
    assert reply is not None and reply.text == "Minä tulen <3" and reply.answered_at


async def test_member_chooses_email_too(harness: Harness) -> None:
    anna = await harness.person("Anna", Role.MEMBER)
    await anna.send("/sahkoposti")
    await anna.expect_message("Miten haluat saada tiedotteet")
    await anna.press("Telegram ja sähköposti")
    await anna.expect_message("Kirjoita sähköpostiosoitteesi.")
    before = await harness.snapshot()
    await anna.send("ei-osoite")
    await anna.expect_message(
        "Sähköpostiosoite ei kelpaa. Kirjoita osoite muodossa nimi@esimerkki.fi"
    )
    assert await harness.snapshot() == before
    await anna.send("anna@example.fi")
    done = await anna.expect_message("Tallennettu: Telegram ja sähköposti.")
    assert "anna@example.fi" in text_of(done)
    async with harness.db() as session:
        preference = await session.scalar(select(ContactPreference))
        person = await session.scalar(select(Person).where(Person.telegram_id == anna.id))
    assert preference is not None and preference.channel is Channel.BOTH
    assert person is not None and person.email == "anna@example.fi"


# ---- bad input: a plain answer, and nothing stored or sent ----------------------------------


async def test_member_who_is_not_chair_cannot_announce(harness: Harness) -> None:
    anna = await harness.person("Anna", Role.MEMBER)
    before = await harness.snapshot()
    await anna.send("/tiedote")
    await anna.expect_message(
        "Vain koordinaattori tai pöydän puheenjohtaja voi lähettää tiedotteen."
    )
    assert await harness.snapshot() == before


async def test_chair_announces_only_to_own_table(harness: Harness) -> None:
    chair = await harness.person("Pekka", Role.CHAIR)
    anna = await harness.person("Anna", Role.MEMBER)
    question = await write(chair, "Pöydän oma tiedote")
    # One table only: no table question, straight to who gets it.
    assert "Ketkä pöydistä" in text_of(question)
    await chair.press("Kaikki jäsenet")
    await chair.expect_message("Pöydän oma tiedote")
    await chair.expect_message("Lähetetäänkö?")
    await chair.press("📤 Lähetä nyt")
    await anna.expect_message("Pöydän oma tiedote")


async def test_table_the_author_does_not_coordinate_is_refused(harness: Harness) -> None:
    coordinator = await harness.person("Kaisa", Role.COORDINATOR)
    async with harness.db() as session:
        from storage.people import grant_role

        person = await session.scalar(select(Person).where(Person.telegram_id == coordinator.id))
        south = await session.scalar(select(Table).where(Table.slug == "etelainen"))
        east = await session.scalar(select(Table).where(Table.slug == "itainen"))
        assert person is not None and south is not None and east is not None
        await grant_role(
            session,
            person=person,
            table=south,
            role=Role.COORDINATOR,
            starts_on=harness.clock.now().date(),
            ends_on=harness.app.settings.term_ends_on,
            actor_id=None,
        )
    await harness.person("Iida", Role.MEMBER, "itainen")
    question = await write(coordinator, "Väärään pöytään")
    assert "Valitse pöydät" in text_of(question)
    before = await harness.snapshot()
    answer = await coordinator.press_data(question, f"at:{east.id}")
    assert answer["text"] == NOT_YOURS and answer["show_alert"] is True
    assert await harness.snapshot() == before
    assert "Itäinen" not in str(buttons(question))
    # "All tables" means all the author coordinates, not every table.
    await coordinator.press("▫️ Kaikki pöydät")
    await coordinator.press("Jatka")
    await coordinator.expect_message("Ketkä pöydistä")
    await coordinator.press("Kaikki jäsenet")
    await coordinator.expect_message("Väärään pöytään")
    options = await coordinator.expect_message("Lähetetäänkö?")
    assert "Vastaanottajia: 0 henkilöä" in text_of(options)


async def test_empty_announcement_is_refused(harness: Harness) -> None:
    coordinator = await harness.person("Kaisa", Role.COORDINATOR)
    await coordinator.send("/tiedote")
    await coordinator.expect_message("Kirjoita tiedote")
    before = await harness.snapshot()
    await coordinator.send_photo(b"\xff\xd8\xff kuva")
    await coordinator.expect_message("Tiedote on tyhjä. Kirjoita tiedotteeseen tekstiä.")
    assert await harness.snapshot() == before


async def test_unsupported_file_is_refused(harness: Harness) -> None:
    coordinator = await harness.person("Kaisa", Role.COORDINATOR)
    await coordinator.send("/tiedote")
    await coordinator.expect_message("Kirjoita tiedote")
    before = await harness.snapshot()
    await coordinator.send_document(
        "ohjelma.exe", b"MZ", caption="Asenna tämä", mime_type="application/x-msdownload"
    )
    await coordinator.expect_message(
        "En voi lähettää tätä tiedostoa. Lähetä PDF, Word-, Excel- tai tekstitiedosto tai kuva."
    )
    assert await harness.snapshot() == before


async def test_time_in_the_past_is_refused(harness: Harness) -> None:
    coordinator = await harness.person("Kaisa", Role.COORDINATOR)
    anna = await harness.person("Anna", Role.MEMBER)
    await to_all_members(coordinator, "Myöhässä")
    await coordinator.press("🕒 Ajasta")
    await coordinator.expect_message("Milloin tiedote lähtee?")
    before = await harness.snapshot()
    earlier = harness.clock.now().astimezone(harness.app.settings.zone) - timedelta(hours=1)
    await coordinator.send(
        f"{earlier.day}.{earlier.month}.{earlier.year} {earlier.hour}.{earlier.minute:02d}"
    )
    await coordinator.expect_message("Aika on jo mennyt. Kirjoita tuleva aika.")
    await coordinator.send("joskus")
    await coordinator.expect_message(
        "En ymmärtänyt aikaa. Kirjoita päivä ja kellonaika, esimerkiksi 14.1. 17.00"
    )
    assert await harness.snapshot() == before
    await anna.expect_no_message(within=0.2)


async def test_long_announcement_is_split_at_paragraphs(harness: Harness) -> None:
    coordinator = await harness.person("Kaisa", Role.COORDINATOR)
    anna = await harness.person("Anna", Role.MEMBER)
    paragraphs = [f"Kappale {n}: " + "asiaa " * 110 for n in range(6)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    assert 4000 < len(text) <= 4096
    await to_all_members(coordinator, text)
    await coordinator.press("📤 Lähetä nyt")
    first = await anna.expect_message("Kappale 0:")
    second = await anna.expect_message()
    assert len(text_of(first)) <= 4096 and len(text_of(second)) <= 4096
    rejoined = text_of(first) + "\n\n" + text_of(second)
    for paragraph in paragraphs:
        assert paragraph.strip() in rejoined
