"""A meeting's whole life through the emulator: poll, answers, deadline, invitation, agenda,
attendance and minutes; and every bad input getting a plain answer that changes nothing."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Calendar
from PIL import Image
from sqlalchemy import func, select

from emulator.client import buttons, text_of, wait_until
from scheduler.meetings import meetings_tick
from storage.meeting_rules import Answer, Rsvp
from storage.meetings import (
    AgendaItem,
    ItemStatus,
    Meeting,
    MeetingPost,
    MeetingSlot,
    MeetingStatus,
    MinutesStatus,
    Participant,
    SlotVote,
)
from storage.outbox import Delivery, OutboxMessage
from storage.roles import Role
from tests.e2e.conftest import WAIT, Harness, shown
from views.text import day

MEMBERS = 19  # with the chair, 20 seated members; the coordinator is invited too


def said(answer: dict[str, Any]) -> dict[str, Any]:
    """A callback answer as a person sees it: the text, and whether it is an alert."""
    return {"text": answer["text"], "show_alert": answer["show_alert"]}


def local(harness: Harness, moment: datetime) -> datetime:
    return moment.astimezone(harness.app.settings.zone)


async def tick(harness: Harness) -> None:
    app = harness.app
    await meetings_tick(app.sessionmaker, app.bot, harness.clock, app.i18n, app.settings)
    await harness.settle(0.1)


async def idle(harness: Harness) -> None:
    """Every update the bot has taken is handled and committed (replies come before commit)."""
    tasks = harness.app.dispatcher._handle_update_tasks
    await wait_until(lambda: not tasks)


async def settle(harness: Harness) -> None:
    """Handled, committed, and the outbox drained."""
    await idle(harness)
    await harness.settle()


async def quiet(harness: Harness, within: float = 3 * WAIT) -> None:
    """Wait until every results message shows the newest answers and the outbox is empty."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    calm = 0
    while True:
        await idle(harness)
        await harness.app.outbox.drain()
        async with harness.db() as session:
            stale = await session.scalar(
                select(func.count(MeetingPost.id))
                .join(Meeting, Meeting.id == MeetingPost.meeting_id)
                .join(OutboxMessage, OutboxMessage.id == MeetingPost.outbox_id)
                .where(
                    MeetingPost.edited_version < Meeting.results_version,
                    OutboxMessage.status == Delivery.SENT,
                )
            )
            pending = await session.scalar(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.status.in_([Delivery.PENDING, Delivery.SENDING])
                )
            )
        calm = calm + 1 if not stale and not pending else 0
        if calm == 2:
            return
        if loop.time() > deadline:
            raise AssertionError(f"still {stale} results to edit and {pending} to send")
        await asyncio.sleep(0.2)


async def reply(
    user: Any, action: Any, containing: str, *, chat: Any = None, within: float = WAIT
) -> dict[str, Any]:
    """Do the action, then wait for a new bot message (not an older one) with the text."""
    history = await user.history(chat)
    last = max((m["message_id"] for m in history), default=0)
    await action
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        for message in await user.history(chat):
            if message["message_id"] > last and containing in text_of(message):
                return dict(message)
        if loop.time() > deadline:
            texts = [text_of(m) for m in (await user.history(chat))[-3:]]
            raise AssertionError(f"{containing!r} not shown; the chat ends with {texts!r}")
        await asyncio.sleep(0.05)


async def has_button(user: Any, text: str) -> bool:
    return any(text in row for message in await user.history() for row in buttons(message))


async def linked_group(
    harness: Harness, coordinator: Any, people: list[Any], *, admin: bool = False
) -> Any:
    group = await harness.emu.create_group("Pohjoisen pöytä", members=[coordinator, *people])
    await group.add_bot(by=coordinator, admin=admin)
    await group.expect_message(containing="Hei! Olen kumppanuuspöydän botti.")
    await coordinator.send("/liita", chat=group)
    await group.expect_message(containing="Minkä pöydän ryhmä tämä on?")
    await coordinator.press("Pohjoinen kumppanuuspöytä", chat=group)
    await shown(coordinator, "Valmis! Tämä ryhmä kuuluu nyt pöytään:", chat=group)
    return group


async def start_poll(
    harness: Harness, organiser: Any, *, title: str = "Kevään kokous", times: str, deadline: str
) -> None:
    await organiser.send("/kokoukset")
    await organiser.expect_message(containing="Kokouksia ei ole vielä.")
    await organiser.press("➕ Uusi kokousaikakysely")
    await organiser.expect_message(containing="Kirjoita kokouksen nimi.")
    await organiser.send(title)
    await organiser.expect_message(containing="Millainen kokous on?")
    await organiser.press("Kokous")
    await organiser.expect_message(containing="Missä kokous on?")
    await organiser.send("Kirjasto, Kirkkokatu 31")
    await organiser.expect_message(containing="Lisää 2–20 aikavaihtoehtoa.")
    await organiser.send(times)
    await organiser.expect_message(containing="Ajat nyt:")
    await organiser.press("Valmis")
    await organiser.expect_message(containing="Milloin vastausaika päättyy?")
    await organiser.send(deadline)
    await organiser.expect_message(containing="Tarkista kysely:")
    await organiser.press("Lähetä kysely")


async def ics_of(user: Any, harness: Harness, containing: str) -> tuple[dict[str, Any], Any]:
    message = await shown(user, containing)
    assert message.get("document"), message
    data = await harness.emu.download(message["document"]["file_id"])
    calendar = Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    return message, event


async def test_whole_life_of_a_meeting_with_twenty_members(harness: Harness) -> None:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    chair = await harness.person("Pirjo", Role.CHAIR)
    members = [chair] + [
        await harness.person(f"Jäsen{n:02d}", Role.MEMBER) for n in range(MEMBERS)
    ]
    group = await linked_group(harness, coordinator, members)

    # 1. The coordinator makes the poll with three typed times.
    await start_poll(
        harness, coordinator, times="14.1. 17-19\n15.1. 17-19\n20.1. 18-20", deadline="10.1. 16"
    )
    await shown(coordinator, "Kysely on lähetetty 21 jäsenelle. Se näkyy myös pöydän ryhmässä.")
    await settle(harness)
    poll = await group.expect_message(containing="Kokousaikakysely: Kevään kokous")
    assert "Vastanneita: 0/21" in text_of(poll)
    assert ["1: Sopii", "1: Tarvittaessa", "1: Ei sovi"] in buttons(poll)
    for member in members:
        await member.expect_message(containing="Kokousaikakysely: Kevään kokous")

    # 2. Twenty members answer; time 2 wins on if-need-be answers; two change their minds.
    for index, member in enumerate(members):
        first = "1: Sopii" if index < 10 else "1: Ei sovi"
        second = "2: Sopii" if index < 10 else ("2: Tarvittaessa" if index < 16 else "2: Ei sovi")
        answer = await member.press(first)
        assert answer["text"] == (
            "Tallennettu: aika 1, Sopii." if index < 10 else "Tallennettu: aika 1, Ei sovi."
        )
        await member.press(second)
    answer = await members[5].press("3: Tarvittaessa", chat=group)
    assert answer["text"] == "Tallennettu: aika 3, Tarvittaessa."
    for member in members[:2]:
        await member.press("1: Ei sovi")
    await idle(harness)
    async with harness.db() as session:
        votes = list(await session.scalars(select(SlotVote)))
    assert len(votes) == 41
    assert sum(1 for v in votes if v.answer is Answer.YES) == 8 + 10

    # The results message in the group is edited in place, paced, until it shows everyone.
    await quiet(harness)
    edited = await shown(coordinator, "Vastanneita: 20/21", chat=group)
    assert edited["message_id"] == poll["message_id"]
    assert "✅ 8   🟡 0   ❌ 12" in text_of(edited)
    year = local(harness, harness.clock.now()).year + 1
    assert f"15.1.{year} klo 17.00–19.00 ⭐" in text_of(edited)
    assert "✅ 10   🟡 6   ❌ 4" in text_of(edited)
    own = await shown(members[0], "Vastanneita: 20/21")
    assert ["1: Sopii", "1: Tarvittaessa", "❌ 1: Ei sovi"] in buttons(own)
    assert ["✅ 2: Sopii", "2: Tarvittaessa", "2: Ei sovi"] in buttons(own)

    # The organiser sees who has not answered (only the coordinator herself).
    listing = await reply(coordinator, coordinator.send("/kokoukset"), "Kokoukset:")
    view = await reply(
        coordinator,
        coordinator.press("Kevään kokous · aika avoinna", listing),
        "Kyselyyn vastanneita: 20/21",
    )
    assert "Ei vielä vastannut: Kaija" in text_of(view)

    # 3. The deadline passes; the tick closes the poll once and suggests time 2.
    async with harness.db() as session:
        meeting = await session.scalar(select(Meeting))
        assert meeting is not None and meeting.poll_deadline_at is not None
        deadline = meeting.poll_deadline_at
    assert local(harness, deadline).hour == 16
    harness.clock.advance(deadline - harness.clock.now() + timedelta(minutes=1))
    await tick(harness)
    await tick(harness)
    await quiet(harness)
    closed = await shown(coordinator, "Kokousaikakysely on päättynyt: Kevään kokous", chat=group)
    assert "Eniten sopiva aika: " in text_of(closed)
    assert "15.1." in text_of(closed)
    question = await shown(coordinator, "Vastausaika päättyi: Kevään kokous")
    assert ["Vahvista tämä aika"] in buttons(question)
    final = await shown(coordinator, "Vastausaika on päättynyt.", chat=group)
    assert buttons(final) == []
    async with harness.db() as session:
        notices = await session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.batch.like(f"meeting:{meeting.id}:confirm%")
            )
        )
    assert notices == 1

    # A late answer changes nothing. Reminders that fell due with the confirmation go out
    # first (the reminder tick runs every second): a tick, then whatever it started.
    await idle(harness)
    await harness.settle(1.5)
    await harness.settle()
    before = await harness.snapshot()
    late = await members[3].press_data(
        await shown(members[3], "Kokousaikakysely"), f"mv:{meeting.id}:{votes[0].slot_id}:yes"
    )
    assert late["text"] == "Vastausaika on jo päättynyt. Vastauksia ei voi enää muuttaa."
    assert late["show_alert"] is True
    assert await harness.snapshot() == before

    # 4. The organiser confirms; everyone gets the invitation with an .ics in Helsinki time.
    await coordinator.press("Vahvista tämä aika")
    await shown(coordinator, "Aika on vahvistettu:")
    await settle(harness)
    _, event = await ics_of(members[7], harness, "Kutsu kokoukseen.")
    start = event.decoded("dtstart")
    year = start.year
    assert (start.astimezone(harness.app.settings.zone).hour, start.day, start.month) == (
        17,
        15,
        1,
    )
    assert start.astimezone(UTC).hour == 15  # winter: UTC+2
    await shown(coordinator, "Kutsu kokoukseen.", chat=group)

    # 5. RSVPs; the organiser sees the count and who is missing.
    for index, member in enumerate(members[:12]):
        word = "Tulen" if index < 8 else ("En tule" if index < 10 else "Ehkä")
        answer = await member.press(word)
        assert answer["text"] == f"Kiitos! Vastauksesi: {word}."
    listing = await reply(coordinator, coordinator.send("/kokoukset"), "Kokoukset:")
    view = await reply(
        coordinator,
        coordinator.press(buttons(listing)[1][0], listing),
        "Tulossa: 8 · Ei tule: 2 · Ehkä: 2 · Ei vastannut: 9",
    )
    assert "Jäsen19" not in text_of(view)  # there are only Jäsen00..Jäsen18
    assert "Ei vielä vastannut: " in text_of(view)

    # 6. Agenda: a cut-off, one proposal before it and one after.
    await reply(
        coordinator,
        coordinator.press("⏰ Ehdotusten takaraja", view),
        "Mihin asti jäsenet voivat ehdottaa asioita?",
    )
    await reply(coordinator, coordinator.send("13.1. 16"), "Valmis. Asioita voi ehdottaa")
    proposer = members[4]
    listing = await reply(proposer, proposer.send("/kokoukset"), "Kokoukset:")
    member_view = await reply(
        proposer, proposer.press(buttons(listing)[0][0], listing), "Asioita voi ehdottaa"
    )
    await reply(proposer, proposer.press("✍️ Ehdota asiaa", member_view), "Kirjoita asian otsikko.")
    await reply(proposer, proposer.send("Leikkipuiston kunto"), "Kirjoita asiasta lyhyt kuvaus")
    await reply(proposer, proposer.send("Keinut ovat rikki."), "Haluatko liittää tiedoston?")
    await reply(
        proposer,
        proposer.send_document("kuva.txt", b"keinu"),
        "Kiitos! Ehdotuksesi on tallennettu.",
    )
    await reply(proposer, proposer.press("✍️ Ehdota asiaa", member_view), "Kirjoita asian otsikko.")
    skip = await reply(
        proposer, proposer.send("Kerro Pois! -kahvit keväällä"), "Kirjoita asiasta lyhyt kuvaus"
    )
    skip = await reply(proposer, proposer.press("Ohita", skip), "Haluatko liittää tiedoston?")
    await reply(proposer, proposer.press("Ohita", skip), "Kiitos! Ehdotuksesi on tallennettu.")
    cutoff = datetime(year, 1, 13, 16, tzinfo=harness.app.settings.zone)
    harness.clock.advance(cutoff - harness.clock.now() + timedelta(minutes=5))
    await idle(harness)
    before = await harness.snapshot()
    late = await proposer.press("✍️ Ehdota asiaa", member_view)
    assert late["text"] == (
        f"Asioiden ehdotusaika päättyi {day(cutoff.date(), 'fi')} klo "
        "16.00. Ota yhteyttä puheenjohtajaan tai koordinaattoriin."
    )
    assert late["show_alert"] is True
    assert await harness.snapshot() == before

    # The chair accepts both, orders them, posts the agenda (pinned, and as a document).
    listing = await reply(chair, chair.send("/kokoukset"), "Kokoukset:")
    chair_view = await reply(chair, chair.press(buttons(listing)[1][0], listing), "Paikka:")
    await reply(chair, chair.press("🗂 Käsittele esityslista", chair_view), "Ehdotukset:")
    await chair.press("Hyväksy E1")
    await chair.press("Hyväksy E1")
    await chair.press("↑ 2")
    organised = await shown(chair, "1. Kerro Pois! -kahvit keväällä")
    assert "2. Leikkipuiston kunto" in text_of(organised)
    await chair.press("📣 Julkaise esityslista")
    await settle(harness)
    posted = await shown(coordinator, "📋 Esityslista", chat=group)
    assert "1. Kerro Pois! -kahvit keväällä" in text_of(posted)
    assert "Keinut ovat rikki." in text_of(posted)
    await shown(members[9], "Esityslista tiedostona.")
    # A change after posting is announced once, when the chair sends it.
    await reply(chair, chair.press("Muokkaa 2"), "Kirjoita uusi otsikko.")
    changed = await reply(chair, chair.send("Leikkipuiston keinut"), "2. Leikkipuiston keinut")
    await chair.press("📣 Lähetä muutokset", changed)
    await settle(harness)
    await shown(coordinator, "Esityslista on muuttunut", chat=group)
    again = await chair.press_data(organised, f"ma:{meeting.id}:publish:0")
    assert again["text"] == "Esityslista on jo julkaistu, eikä siihen ole tullut muutoksia."

    # 7. At the meeting the coordinator records attendance.
    async with harness.db() as session:
        meeting = await session.get(Meeting, meeting.id)
        assert meeting is not None and meeting.starts_at is not None
        starts = meeting.starts_at
    harness.clock.advance(starts - harness.clock.now() + timedelta(minutes=10))
    listing = await reply(coordinator, coordinator.send("/kokoukset"), "Kokoukset:")
    view = await reply(coordinator, coordinator.press(buttons(listing)[1][0], listing), "Tulossa:")
    await reply(coordinator, coordinator.press("✅ Läsnäolijat", view), "Läsnä nyt: 0/21")
    for name in ("Pirjo", "Jäsen00", "Jäsen01", "Jäsen02"):
        await coordinator.press(f"▫️ {name}")
    await shown(coordinator, "Läsnä nyt: 4/21")
    await coordinator.press("Valmis")
    await shown(coordinator, "Läsnäolijat on tallennettu: ")

    # 8. Minutes with two checkers; published only after both approve.
    await reply(
        coordinator, coordinator.press("📝 Lisää muistio", view), "Lähetä muistio tiedostona"
    )
    await reply(
        coordinator,
        coordinator.send("Päätökset:\n1. Kahvit pidetään maaliskuussa.\n2. Keinut korjataan."),
        "Valitse kaksi pöytäkirjantarkastajaa.",
    )
    await coordinator.press("▫️ Jäsen00")
    await coordinator.press("▫️ Jäsen01")
    refused = await coordinator.press("▫️ Jäsen02")
    assert refused["text"] == "Valitse enintään kaksi tarkastajaa."
    await coordinator.press("Valmis")
    await shown(coordinator, "Muistio on lähetetty tarkastajille.")
    await settle(harness)
    checker_a, checker_b = members[1], members[2]
    await shown(checker_a, "Sinut on valittu pöytäkirjantarkastajaksi")
    not_checker = await members[6].press_data(
        await shown(members[6], "Kutsu kokoukseen."), f"ma:{meeting.id}:approve:0"
    )
    assert not_checker["text"] == "Vain valitut tarkastajat voivat hyväksyä muistion."
    first = await checker_a.press("Hyväksyn muistion")
    assert first["text"] == (
        "Kiitos! Muistio julkaistaan, kun toinenkin tarkastaja on hyväksynyt sen."
    )
    async with harness.db() as session:
        meeting = await session.get(Meeting, meeting.id)
        assert meeting is not None and meeting.minutes_status is MinutesStatus.CHECKING
    second = await checker_b.press("Hyväksyn muistion")
    assert second["text"] == "Kiitos! Muistio on nyt julkaistu."
    await settle(harness)
    published = await shown(coordinator, "📄 Muistio on julkaistu: Kevään kokous", chat=group)
    assert "Kahvit pidetään maaliskuussa." in text_of(published)

    # 9. Anyone at the table can browse back to it.
    reader = members[10]
    listing = await reply(reader, reader.send("/kokoukset"), "Kokoukset:")
    view = await reply(reader, reader.press(buttons(listing)[0][0], listing), "Paikka:")
    assert "Muistio on julkaistu." in text_of(view)
    await reply(reader, reader.press("📄 Muistio", view), "Keinut korjataan.")
    attachment = await reply(
        reader, reader.press("📋 Esityslista", view), "Liite asiaan 2: Leikkipuiston keinut"
    )
    assert await harness.emu.download(attachment["document"]["file_id"]) == b"keinu"

    async with harness.db() as session:
        meeting = await session.get(Meeting, meeting.id)
        assert meeting is not None
        assert meeting.status is MeetingStatus.SCHEDULED
        assert meeting.minutes_status is MinutesStatus.PUBLISHED
        rows = list(await session.scalars(select(Participant)))
        items = list(await session.scalars(select(AgendaItem).order_by(AgendaItem.position)))
    assert sum(1 for r in rows if r.attended) == 4
    assert sum(1 for r in rows if r.rsvp is Rsvp.COMING) == 8
    assert sorted(r.person_id for r in rows if r.approved_at) == sorted(
        r.person_id for r in rows if r.is_checker
    )
    assert [i.title for i in items if i.status is ItemStatus.ACCEPTED] == [
        "Kerro Pois! -kahvit keväällä",
        "Leikkipuiston keinut",
    ]


# ---- bad input: a plain answer, and nothing changes -----------------------------------------


async def at_times_step(harness: Harness) -> Any:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    await reply(coordinator, coordinator.send("/kokoukset"), "Kokouksia ei ole vielä.")
    await reply(
        coordinator, coordinator.press("➕ Uusi kokousaikakysely"), "Kirjoita kokouksen nimi."
    )
    await reply(coordinator, coordinator.send("Kokous"), "Millainen kokous on?")
    await reply(coordinator, coordinator.press("Kokous"), "Missä kokous on?")
    await reply(coordinator, coordinator.send("Kirjasto"), "Lisää 2–20 aikavaihtoehtoa.")
    return coordinator


async def test_bad_times_get_plain_answers_and_change_nothing(harness: Harness) -> None:
    coordinator = await at_times_step(harness)
    await idle(harness)
    before = await harness.snapshot()
    cases = {
        "1.1.2020 17": "Päivä on jo mennyt. Valitse tuleva päivä.",
        "31.2. 17": "Tätä päivää tai kellonaikaa ei ole. Tarkista ja kirjoita uudelleen.",
        "14.1. 25-26": "Tätä päivää tai kellonaikaa ei ole. Tarkista ja kirjoita uudelleen.",
        "huomenna illalla": "En ymmärtänyt aikaa. Kirjoita esimerkiksi 14.1. 17-19 tai "
        "ti 14.1.2026 klo 17.00.",
        "14.1. 19-17": "Loppuaika on ennen alkuaikaa. Tarkista kellonajat.",
        "\n".join(
            f"{d}.3. 17" for d in range(1, 22)
        ): "Voit lisätä enintään 20 aikaa. Nyt aikoja olisi 21.",
    }
    for typed, expected in cases.items():
        answer = await reply(coordinator, coordinator.send(typed), expected)
        assert text_of(answer) == expected
        assert buttons(answer) == [["Peru"]]
    too_few = await reply(coordinator, coordinator.send("14.1. 17-19"), "Ajat nyt:")
    alert = said(await coordinator.press("Valmis", too_few))
    assert alert == {"text": "Lisää vähintään kaksi aikaa.", "show_alert": True}
    assert await harness.snapshot() == before
    # Cancelling leaves nothing behind either.
    await coordinator.press("Peru", too_few)
    await shown(coordinator, "Peruttu. Mitään ei tallennettu.")
    assert await harness.snapshot() == before


async def test_bad_title_and_deadline_get_plain_answers(harness: Harness) -> None:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    await reply(coordinator, coordinator.send("/kokoukset"), "Kokouksia ei ole vielä.")
    await reply(
        coordinator, coordinator.press("➕ Uusi kokousaikakysely"), "Kirjoita kokouksen nimi."
    )
    await idle(harness)
    before = await harness.snapshot()
    image = io.BytesIO()
    Image.new("RGB", (4, 4)).save(image, "PNG")
    empty = await reply(coordinator, coordinator.send_photo(image.getvalue()), "Nimi puuttuu.")
    assert text_of(empty) == "Nimi puuttuu. Kirjoita kokoukselle nimi."
    long = await reply(coordinator, coordinator.send("K" * 121), "liian pitkä")
    assert text_of(long) == "Teksti on liian pitkä. Kirjoita enintään 120 merkkiä."
    await reply(coordinator, coordinator.send("K" * 120), "Millainen kokous on?")
    await reply(coordinator, coordinator.press("Kokous"), "Missä kokous on?")
    long = await reply(coordinator, coordinator.send("P" * 301), "liian pitkä")
    assert text_of(long) == "Teksti on liian pitkä. Kirjoita enintään 300 merkkiä."
    await reply(coordinator, coordinator.send("Kirjasto"), "Lisää 2–20 aikavaihtoehtoa.")
    times = await reply(coordinator, coordinator.send("14.1. 17-19\n15.1. 17-19"), "Ajat nyt:")
    await reply(coordinator, coordinator.press("Valmis", times), "Milloin vastausaika päättyy?")
    after = await reply(coordinator, coordinator.send("20.1. 12"), "Vastausajan")
    assert text_of(after) == (
        "Vastausajan pitää päättyä ennen ensimmäistä aikavaihtoehtoa. Valitse aikaisempi päivä."
    )
    same = await reply(coordinator, coordinator.send("14.1. 17"), "Vastausajan")
    assert text_of(same) == text_of(after)
    past = await reply(coordinator, coordinator.send("1.1.2020 12"), "mennyt")
    assert text_of(past) == "Päivä on jo mennyt. Valitse tuleva päivä."
    assert await harness.snapshot() == before


async def poll_with_group(
    harness: Harness,
    *,
    admin: bool = False,
) -> tuple[Any, list[Any], Any, int]:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    members = [await harness.person(name, Role.MEMBER) for name in ("Matti", "Aino")]
    outsider = await harness.person("Erkki", Role.MEMBER, "etelainen")
    group = await linked_group(harness, coordinator, [*members, outsider], admin=admin)
    await start_poll(harness, coordinator, times="14.1. 17-19\n15.1. 17-19", deadline="10.1. 16")
    await shown(coordinator, "Kysely on lähetetty 3 jäsenelle.")
    await settle(harness)
    await shown(coordinator, "Kokousaikakysely: Kevään kokous", chat=group)
    async with harness.db() as session:
        meeting_id = await session.scalar(select(Meeting.id))
    assert meeting_id is not None
    return coordinator, [*members, outsider], group, meeting_id


async def test_presses_by_outsiders_forgers_and_late_voters_change_nothing(
    harness: Harness,
) -> None:
    coordinator, (matti, aino, outsider), group, meeting_id = await poll_with_group(harness)
    await quiet(harness)
    poll = await shown(coordinator, "Kokousaikakysely: Kevään kokous", chat=group)
    private = await shown(matti, "Kokousaikakysely: Kevään kokous")
    await idle(harness)
    before = await harness.snapshot()
    stranger = said(await outsider.press("1: Sopii", poll))
    assert stranger == {
        "text": "Tämä kokous ei koske sinua. Vain pöydän jäsenet voivat vastata.",
        "show_alert": True,
    }
    stale_answer = {"text": "Tämä nappi ei ole enää käytössä. Paina /valikko.", "show_alert": True}
    for forged in (
        f"mv:{meeting_id + 7}:1:yes",
        f"mv:{meeting_id}:999:yes",
        f"mv:{meeting_id}:1:kyllä",
        "mv:x:y:z",
        f"mo:{meeting_id + 7}",
    ):
        assert said(await matti.press_data(private, forged)) == stale_answer
    not_allowed = said(await matti.press_data(private, f"ma:{meeting_id}:close:0"))
    assert not_allowed == {"text": "Sinulla ei ole oikeutta tähän.", "show_alert": True}
    assert said(await outsider.press_data(poll, f"mo:{meeting_id}")) == {
        "text": "Tämä kokous ei koske sinua. Vain pöydän jäsenet voivat vastata.",
        "show_alert": True,
    }
    assert await harness.snapshot() == before

    # The organiser closes early; a vote after that is refused and changes nothing.
    listing = await reply(coordinator, coordinator.send("/kokoukset"), "Kokoukset:")
    view = await reply(
        coordinator,
        coordinator.press(buttons(listing)[1][0], listing),
        "Kyselyyn vastanneita: 0/3",
    )
    assert "Ei vielä vastannut: Aino, Kaija, Matti" in text_of(view)
    closed = await coordinator.press("Sulje kysely nyt", view)
    assert closed["text"] == "Kysely on suljettu."
    await quiet(harness)
    await idle(harness)
    before = await harness.snapshot()
    late = said(
        await aino.press_data(await shown(aino, "Kokousaikakysely"), f"mv:{meeting_id}:1:yes")
    )
    assert late == {
        "text": "Vastausaika on jo päättynyt. Vastauksia ei voi enää muuttaa.",
        "show_alert": True,
    }
    again = said(await coordinator.press_data(view, f"ma:{meeting_id}:close:0"))
    assert again == {"text": "Kysely on jo suljettu.", "show_alert": True}
    assert await harness.snapshot() == before


async def test_two_ticks_close_a_poll_once(harness: Harness) -> None:
    coordinator, _people, group, meeting_id = await poll_with_group(harness)
    async with harness.db() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None and meeting.poll_deadline_at is not None
        deadline = meeting.poll_deadline_at
    harness.clock.advance(deadline - harness.clock.now() + timedelta(seconds=1))
    app = harness.app
    await asyncio.gather(
        *(
            meetings_tick(app.sessionmaker, app.bot, harness.clock, app.i18n, app.settings)
            for _ in range(3)
        )
    )
    await quiet(harness)
    async with harness.db() as session:
        batches = list(
            await session.scalars(
                select(OutboxMessage.batch).where(
                    OutboxMessage.batch.like(f"meeting:{meeting_id}:c%")
                )
            )
        )
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
    assert meeting.status is MeetingStatus.CLOSED
    assert sorted(set(batches)) == [
        f"meeting:{meeting_id}:closed",
        f"meeting:{meeting_id}:confirm",
    ]
    assert batches.count(f"meeting:{meeting_id}:confirm") == 1
    await shown(coordinator, "Kokousaikakysely on päättynyt", chat=group)


async def test_moving_to_summer_and_cancelling_update_the_ics(harness: Harness) -> None:
    coordinator, (matti, *_rest), _group, _meeting = await poll_with_group(harness)
    listing = await reply(coordinator, coordinator.send("/kokoukset"), "Kokoukset:")
    view = await reply(
        coordinator, coordinator.press(buttons(listing)[1][0], listing), "Kyselyyn vastanneita"
    )
    await coordinator.press("Sulje kysely nyt", view)
    await settle(harness)
    await reply(coordinator, coordinator.press("Vahvista tämä aika"), "Aika on vahvistettu:")
    await settle(harness)
    _, winter = await ics_of(matti, harness, "Kutsu kokoukseen.")
    assert winter.decoded("dtstart").astimezone(harness.app.settings.zone).hour == 17
    assert winter.decoded("dtstart").astimezone(UTC).hour == 15
    listing = await reply(coordinator, coordinator.send("/kokoukset"), "Kokoukset:")
    view = await reply(coordinator, coordinator.press(buttons(listing)[1][0], listing), "Tulossa:")
    await reply(coordinator, coordinator.press("Siirrä kokous", view), "Kirjoita uusi aika")
    wrong = await reply(coordinator, coordinator.send("31.6. 17-19"), "ei ole")
    assert text_of(wrong) == "Tätä päivää tai kellonaikaa ei ole. Tarkista ja kirjoita uudelleen."
    await reply(coordinator, coordinator.send("16.6. 17-19"), "Kokous on siirretty:")
    await settle(harness)
    _, summer = await ics_of(matti, harness, "Kokouksen aika on muuttunut.")
    start = summer.decoded("dtstart")
    assert (start.astimezone(harness.app.settings.zone).hour, start.month, start.day) == (
        17,
        6,
        16,
    )
    assert start.astimezone(UTC).hour == 14  # summer: UTC+3
    assert summer.decoded("sequence") == 1
    assert str(summer["uid"]) == str(winter["uid"])
    await reply(coordinator, coordinator.press("Peru kokous", view), "Haluatko varmasti perua")
    await reply(coordinator, coordinator.press("Kyllä, peru kokous"), "Kokous on peruttu.")
    await settle(harness)
    message, cancelled = await ics_of(matti, harness, "❗ Kokous on peruttu.")
    assert str(cancelled["status"]) == "CANCELLED"
    assert cancelled.decoded("sequence") == 2
    assert buttons(message) == []


async def test_long_agenda_is_split_never_cut(harness: Harness) -> None:
    coordinator, (matti, *_rest), group, meeting_id = await poll_with_group(harness, admin=True)
    now = harness.clock.now()
    async with harness.db() as session:
        for number in range(1, 9):
            session.add(
                AgendaItem(
                    meeting_id=meeting_id,
                    proposed_by_id=None,
                    title=f"Asia numero {number}",
                    body=f"Kohta {number}. " + "sanoja " * 200,
                    status=ItemStatus.ACCEPTED,
                    position=number,
                    created_at=now,
                )
            )
    listing = await reply(coordinator, coordinator.send("/kokoukset"), "Kokoukset:")
    view = await reply(
        coordinator, coordinator.press(buttons(listing)[1][0], listing), "Esityslistalla 8 asiaa."
    )
    edit = await reply(
        coordinator, coordinator.press("🗂 Käsittele esityslista", view), "Listalla:"
    )
    await coordinator.press("📣 Julkaise esityslista", edit)
    await settle(harness)
    await shown(matti, "Esityslista tiedostona.")
    parts = [m for m in await matti.history() if "Kohta " in text_of(m)]
    assert len(parts) >= 2
    assert all(len(text_of(m)) <= 4096 for m in parts)
    joined = "\n".join(text_of(m) for m in parts)
    for number in range(1, 9):
        assert joined.count(f"Kohta {number}. ") == 1
        assert f"{number}. Asia numero {number}" in joined
    in_group = [m for m in await group.history() if "Kohta " in text_of(m)]
    assert len(in_group) == len(parts)
    assert [m["pinned"] for m in in_group] == [True] + [False] * (len(parts) - 1)
    assert in_group[0]["text"].startswith("📋 Esityslista")


async def test_poll_made_with_buttons_only(harness: Harness) -> None:
    coordinator = await at_times_step(harness)
    zone = harness.app.settings.zone
    today = local(harness, harness.clock.now()).date()
    tomorrow, later = today + timedelta(days=1), today + timedelta(days=16)
    times = await shown(coordinator, "Lisää 2–20 aikavaihtoehtoa.")
    await coordinator.press(day(tomorrow, "fi"), times)
    hours = await shown(coordinator, "mihin aikaan kokous alkaa?")
    assert buttons(hours)[-1] == ["Takaisin", "Peru"]
    added = await coordinator.press("17.00", hours)
    assert added["text"] == "Aika lisätty."
    times = await shown(coordinator, f"1. {day(tomorrow, 'fi')} klo 17.00–19.00")
    await coordinator.press("Myöhemmät ▶", times)
    await wait_until(lambda: has_button(coordinator, day(later, "fi")))
    await coordinator.press(day(later, "fi"))
    hours = await shown(coordinator, "mihin aikaan kokous alkaa?")
    await coordinator.press("10.00", hours)
    times = await shown(coordinator, f"2. {day(later, 'fi')} klo 10.00–12.00")
    deadlines = await reply(
        coordinator, coordinator.press("Valmis", times), "Milloin vastausaika päättyy?"
    )
    first_deadline = buttons(deadlines)[0][0]
    assert first_deadline == f"{day(tomorrow, 'fi')} klo 16.00"
    await reply(coordinator, coordinator.press(first_deadline, deadlines), "Tarkista kysely:")
    await reply(coordinator, coordinator.press("Lähetä kysely"), "Kysely on lähetetty 1 ")
    await idle(harness)
    async with harness.db() as session:
        meeting = await session.scalar(select(Meeting))
        assert meeting is not None and meeting.poll_deadline_at is not None
        starts = [
            s.starts_at
            for s in await session.scalars(select(MeetingSlot).order_by(MeetingSlot.starts_at))
        ]
    assert [(local(harness, s).date(), local(harness, s).hour) for s in starts] == [
        (tomorrow, 17),
        (later, 10),
    ]
    assert local(harness, meeting.poll_deadline_at).hour == 16
    assert meeting.poll_deadline_at.astimezone(zone).date() == tomorrow


async def test_lead_coordinator_polls_the_chairs_of_all_tables(harness: Harness) -> None:
    lead = await harness.person("Leena", Role.LEAD_COORDINATOR, None)
    north = await harness.person("Pirjo", Role.CHAIR, "pohjoinen")
    south = await harness.person("Sami", Role.CHAIR, "etelainen")
    member = await harness.person("Matti", Role.MEMBER, "pohjoinen")
    await reply(lead, lead.send("/kokoukset"), "Kokouksia ei ole vielä.")
    tables = await reply(lead, lead.press("➕ Uusi kokousaikakysely"), "Minkä pöydän kokous?")
    assert ["Puheenjohtajien yhteinen kokous"] in buttons(tables)
    await reply(
        lead, lead.press("Puheenjohtajien yhteinen kokous", tables), "Kirjoita kokouksen nimi."
    )
    await reply(lead, lead.send("Puheenjohtajien vuosikokous"), "Missä kokous on?")
    await reply(lead, lead.send("Kaupungintalo"), "Lisää 2–20 aikavaihtoehtoa.")
    times = await reply(lead, lead.send("14.1. 17-19\n21.1. 17-19"), "Ajat nyt:")
    await reply(lead, lead.press("Valmis", times), "Milloin vastausaika päättyy?")
    summary = await reply(lead, lead.send("10.1. 16"), "Tarkista kysely:")
    assert "Puheenjohtajien yhteinen kokous" in text_of(summary)
    await reply(lead, lead.press("Lähetä kysely", summary), "Kysely on lähetetty 2 jäsenelle.")
    await settle(harness)
    for chair in (north, south):
        poll = await shown(chair, "Kokousaikakysely: Puheenjohtajien vuosikokous")
        assert "Kaikki pöydät" in text_of(poll)
    answer = await south.press("2: Sopii")
    assert answer["text"] == "Tallennettu: aika 2, Sopii."
    await member.expect_no_message(within=0.3)
    await idle(harness)
    async with harness.db() as session:
        meeting = await session.scalar(select(Meeting))
        assert meeting is not None
    assert meeting.table_id is None
    # South's answer owes both chairs' results messages an edit; the meetings tick makes it
    # (and records it) when it next runs, so wait for it before "nothing changed".
    await quiet(harness)
    before = await harness.snapshot()
    nosy = said(await member.press_data(await shown(member, "Hei Matti"), f"mo:{meeting.id}"))
    assert nosy == {
        "text": "Tämä kokous ei koske sinua. Vain pöydän jäsenet voivat vastata.",
        "show_alert": True,
    }
    assert await harness.snapshot() == before


async def test_minutes_as_a_document_without_checkers_are_published_at_once(
    harness: Harness,
) -> None:
    coordinator, (matti, *_rest), group, _meeting = await poll_with_group(harness)
    listing = await reply(coordinator, coordinator.send("/kokoukset"), "Kokoukset:")
    view = await reply(
        coordinator, coordinator.press(buttons(listing)[1][0], listing), "Kyselyyn vastanneita"
    )
    await coordinator.press("Sulje kysely nyt", view)
    await settle(harness)
    await reply(coordinator, coordinator.press("Vahvista tämä aika"), "Aika on vahvistettu:")
    await idle(harness)
    async with harness.db() as session:
        starts = await session.scalar(select(Meeting.starts_at))
    assert starts is not None
    listing = await reply(coordinator, coordinator.send("/kokoukset"), "Kokoukset:")
    view = await reply(coordinator, coordinator.press(buttons(listing)[1][0], listing), "Tulossa:")
    early = said(await coordinator.press("📝 Lisää muistio", view))
    assert early == {"text": "Muistion voi lisätä, kun kokous on alkanut.", "show_alert": True}
    harness.clock.advance(starts - harness.clock.now() + timedelta(hours=3))
    await reply(
        coordinator, coordinator.press("📝 Lisää muistio", view), "Lähetä muistio tiedostona"
    )
    await reply(
        coordinator,
        coordinator.send_document("muistio.pdf", b"%PDF-1.4 muistio"),
        "Valitse kaksi pöytäkirjantarkastajaa.",
    )
    await coordinator.press("Ei tarkastajia")
    await shown(coordinator, "Muistio on julkaistu. Kaikki saavat sen.")
    await settle(harness)
    posted = await shown(matti, "📄 Muistio on julkaistu: Kevään kokous")
    assert await harness.emu.download(posted["document"]["file_id"]) == b"%PDF-1.4 muistio"
    await shown(coordinator, "📄 Muistio on julkaistu: Kevään kokous", chat=group)
    listing = await reply(matti, matti.send("/kokoukset"), "Kokoukset:")
    view = await reply(matti, matti.press(buttons(listing)[0][0], listing), "Paikka:")
    shown_again = await reply(matti, matti.press("📄 Muistio", view), "Muistio: Kevään kokous")
    assert shown_again["document"]["file_name"] == "muistio.pdf"
