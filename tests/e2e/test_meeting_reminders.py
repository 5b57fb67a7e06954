"""Meetings and their reminders (issues 4 and 7 wired): the poll nudge goes only to those who
have not answered; a confirmed meeting is reminded 7 d, 1 d and 2 h before in Helsinki time and
the reminders follow it when it moves or is cancelled; minute checkers are reminded until the
minutes are published."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from emulator.client import buttons, text_of
from scheduler.reminders import tick as reminder_tick
from storage.meetings import Meeting, MeetingStatus, MinutesStatus, minutes_check_deadline
from storage.people import Person
from storage.reminders import Audience, Reminder, ReminderKind, ReminderStatus
from storage.roles import Role
from tests.e2e.conftest import Harness, shown
from tests.e2e.test_meetings import (
    idle,
    linked_group,
    reply,
    settle,
    start_poll,
    tick,
)

POLL_NUDGE = "Et ole vielä vastannut kokousaikakyselyyn."
MEETING_NUDGE = "Muistutus: sinulla on kokous."
MINUTES_NUDGE = "Pöytäkirja odottaa tarkastusta."
TITLE = "Kevään kokous & <suunnittelu>"


async def run_reminders(harness: Harness) -> None:
    app = harness.app
    await reminder_tick(app.sessionmaker, app.clock, app.i18n, default_zone=app.settings.timezone)
    await harness.settle()


async def rows(harness: Harness, kind: ReminderKind | None = None) -> list[Reminder]:
    await idle(harness)
    async with harness.db() as session:
        query = select(Reminder).order_by(Reminder.due_at)
        if kind is not None:
            query = query.where(Reminder.kind == kind)
        return list(await session.scalars(query))


def local_times(harness: Harness, reminders: list[Reminder]) -> list[tuple[int, int, int, int]]:
    """(day, month, hour, minute) of each reminder's due time on a Helsinki clock."""
    zone = harness.app.settings.zone
    return [
        (
            r.due_at.astimezone(zone).day,
            r.due_at.astimezone(zone).month,
            r.due_at.astimezone(zone).hour,
            r.due_at.astimezone(zone).minute,
        )
        for r in reminders
    ]


async def person_id(harness: Harness, user: Any) -> int:
    async with harness.db() as session:
        found = await session.scalar(select(Person.id).where(Person.telegram_id == user.id))
    assert found is not None
    return found


async def got(user: Any, containing: str) -> bool:
    return any(containing in text_of(m) for m in await user.history())


async def the_meeting(harness: Harness) -> Meeting:
    await idle(harness)
    async with harness.db() as session:
        meeting = await session.scalar(select(Meeting))
    assert meeting is not None
    return meeting


async def poll(harness: Harness) -> tuple[Any, list[Any], Any]:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    matti = await harness.person("Matti", Role.MEMBER)
    aino = await harness.person("Aino", Role.MEMBER)
    outsider = await harness.person("Erkki", Role.MEMBER, "etelainen")
    group = await linked_group(harness, coordinator, [matti, aino, outsider])
    await start_poll(
        harness, coordinator, title=TITLE, times="14.1. 17-19\n15.1. 17-19", deadline="10.1. 16"
    )
    await shown(coordinator, "Kysely on lähetetty 3 jäsenelle.")
    await settle(harness)
    return coordinator, [matti, aino, outsider], group


async def organiser_view(coordinator: Any, containing: str) -> dict[str, Any]:
    listing = await reply(coordinator, coordinator.send("/kokoukset"), "Kokoukset:")
    return await reply(coordinator, coordinator.press(buttons(listing)[1][0], listing), containing)


async def confirmed(harness: Harness) -> tuple[Any, list[Any], Any]:
    """A poll closed early by the organiser and its first time confirmed (14.1. 17-19)."""
    coordinator, people, group = await poll(harness)
    view = await organiser_view(coordinator, "Kyselyyn vastanneita")
    closed = await coordinator.press("Sulje kysely nyt", view)
    assert closed["text"] == "Kysely on suljettu."
    await settle(harness)
    await reply(coordinator, coordinator.press("Vahvista tämä aika"), "Aika on vahvistettu:")
    await settle(harness)
    return coordinator, people, group


async def test_poll_nudge_reaches_only_those_who_have_not_answered(harness: Harness) -> None:
    coordinator, (matti, aino, outsider), _group = await poll(harness)
    meeting = await the_meeting(harness)
    (row,) = await rows(harness)
    assert (row.kind, row.target_type, row.target_id) == (
        ReminderKind.MEETING_POLL,
        "meeting_poll",
        meeting.id,
    )
    assert row.status is ReminderStatus.PENDING
    assert row.title == TITLE
    assert row.anchor_at == meeting.poll_deadline_at
    assert local_times(harness, [row]) == [(9, 1, 16, 0)]  # a day before 10.1. klo 16

    answer = await matti.press("1: Sopii")
    assert answer["text"] == "Tallennettu: aika 1, Sopii."
    await idle(harness)
    harness.clock.advance(row.due_at - harness.clock.now() + timedelta(minutes=1))
    await run_reminders(harness)
    for person in (aino, coordinator):
        text = text_of(await shown(person, POLL_NUDGE))
        assert TITLE in text  # escaped on the way, shown as typed
        assert "Vastausaika päättyy" in text and "klo 16.00" in text
    assert not await got(matti, POLL_NUDGE)
    assert not await got(outsider, POLL_NUDGE)
    (sent,) = await rows(harness)
    assert (sent.status, sent.recipients) == (ReminderStatus.SENT, 2)

    # The deadline tick closes the poll and takes its reminder away.
    assert meeting.poll_deadline_at is not None
    harness.clock.advance(meeting.poll_deadline_at - harness.clock.now() + timedelta(minutes=1))
    await tick(harness)
    assert (await the_meeting(harness)).status is MeetingStatus.CLOSED
    assert await rows(harness) == []


async def test_confirmed_meeting_is_reminded_and_the_reminders_follow_it(harness: Harness) -> None:
    coordinator, (matti, aino, outsider), _group = await confirmed(harness)
    # Closing early removed the poll nudge; confirming made the three meeting reminders.
    assert await rows(harness, ReminderKind.MEETING_POLL) == []
    meeting = await the_meeting(harness)
    reminders = await rows(harness)
    assert {r.kind for r in reminders} == {ReminderKind.MEETING}
    assert [r.offset_minutes for r in reminders] == [7 * 24 * 60, 24 * 60, 120]
    assert local_times(harness, reminders) == [(7, 1, 17, 0), (13, 1, 17, 0), (14, 1, 15, 0)]
    assert all(
        r.anchor_at == meeting.starts_at
        and r.title == TITLE
        and r.audience == int(Audience.TABLE)
        and r.table_id == meeting.table_id
        for r in reminders
    )
    ids = [r.id for r in reminders]

    # An agenda cut-off gets its own reminder a day before it.
    view = await organiser_view(coordinator, "Tulossa:")
    await reply(
        coordinator,
        coordinator.press("⏰ Ehdotusten takaraja", view),
        "Mihin asti jäsenet voivat ehdottaa asioita?",
    )
    await reply(
        coordinator, coordinator.send("13.6. 16"), "Takarajan pitää olla ennen kokouksen alkua."
    )
    assert await rows(harness, ReminderKind.AGENDA_CUTOFF) == []
    await reply(coordinator, coordinator.send("14.1. 12"), "Valmis. Asioita voi ehdottaa")
    (cutoff,) = await rows(harness, ReminderKind.AGENDA_CUTOFF)
    assert local_times(harness, [cutoff]) == [(13, 1, 12, 0)]
    assert (cutoff.target_type, cutoff.target_id, cutoff.title) == ("meeting", meeting.id, TITLE)

    # The day-before reminder reaches the table's members and coordinator, not others.
    harness.clock.advance(reminders[1].due_at - harness.clock.now() + timedelta(minutes=1))
    await run_reminders(harness)
    for person in (matti, aino, coordinator):
        text = text_of(await shown(person, MEETING_NUDGE))
        assert TITLE in text and "klo 17.00" in text
    assert not await got(outsider, MEETING_NUDGE)
    for person in (matti, aino, coordinator):
        await shown(person, "Esityslistan asiat pitää lähettää pian.")
    # The week-before one fell due earlier too, but only the newest of a meeting's is sent.
    assert [(r.kind, r.status) for r in await rows(harness)] == [
        (ReminderKind.MEETING, ReminderStatus.MISSED),
        (ReminderKind.AGENDA_CUTOFF, ReminderStatus.SENT),
        (ReminderKind.MEETING, ReminderStatus.SENT),
        (ReminderKind.MEETING, ReminderStatus.PENDING),
    ]

    # Moved into summer time: the same rows, on the Helsinki clock 7 d, 1 d and 2 h before;
    # the one already sent is armed again for the new time.
    view = await organiser_view(coordinator, "Tulossa:")
    await reply(coordinator, coordinator.press("Siirrä kokous", view), "Kirjoita uusi aika")
    await reply(coordinator, coordinator.send("16.6. 17-19"), "Kokous on siirretty:")
    moved = await rows(harness, ReminderKind.MEETING)
    assert [r.id for r in moved] == ids
    assert local_times(harness, moved) == [(9, 6, 17, 0), (15, 6, 17, 0), (16, 6, 15, 0)]
    assert [r.status for r in moved] == [ReminderStatus.PENDING] * 3
    assert [r.due_at.astimezone(harness.app.settings.zone).utcoffset() for r in moved] == [
        timedelta(hours=3)
    ] * 3
    # The cut-off stays as the organiser set it until they change it; changed, it is armed again.
    assert [r.id for r in await rows(harness, ReminderKind.AGENDA_CUTOFF)] == [cutoff.id]
    await reply(
        coordinator,
        coordinator.press("⏰ Ehdotusten takaraja", view),
        "Mihin asti jäsenet voivat ehdottaa asioita?",
    )
    await reply(coordinator, coordinator.send("13.6. 16"), "Valmis. Asioita voi ehdottaa")
    (changed,) = await rows(harness, ReminderKind.AGENDA_CUTOFF)
    assert local_times(harness, [changed]) == [(12, 6, 16, 0)]
    assert (changed.id, changed.status) == (cutoff.id, ReminderStatus.PENDING)

    # Cancelled: every reminder of the meeting is gone, and nothing comes later.
    await reply(coordinator, coordinator.press("Peru kokous", view), "Haluatko varmasti perua")
    await reply(coordinator, coordinator.press("Kyllä, peru kokous"), "Kokous on peruttu.")
    await settle(harness)
    assert await rows(harness) == []
    before = len(await matti.history())
    harness.clock.advance(moved[1].due_at - harness.clock.now() + timedelta(minutes=1))
    await run_reminders(harness)
    assert len(await matti.history()) == before


async def test_minute_checkers_are_reminded_until_the_minutes_are_published(
    harness: Harness,
) -> None:
    coordinator, (matti, aino, _outsider), _group = await confirmed(harness)
    meeting = await the_meeting(harness)
    assert meeting.starts_at is not None
    harness.clock.advance(meeting.starts_at - harness.clock.now() + timedelta(hours=3))
    view = await organiser_view(coordinator, "Tulossa:")
    await reply(
        coordinator, coordinator.press("📝 Lisää muistio", view), "Lähetä muistio tiedostona"
    )
    await reply(
        coordinator,
        coordinator.send("Päätökset: keinut korjataan."),
        "Valitse kaksi pöytäkirjantarkastajaa.",
    )
    await coordinator.press("▫️ Matti")
    await coordinator.press("▫️ Aino")
    submitted = harness.clock.now()
    await coordinator.press("Valmis")
    await shown(coordinator, "Muistio on lähetetty tarkastajille.")
    await settle(harness)
    (row,) = await rows(harness, ReminderKind.MINUTES_APPROVAL)
    assert row.audience == int(Audience.NAMED)
    assert sorted(row.person_ids) == sorted(
        [await person_id(harness, matti), await person_id(harness, aino)]
    )
    assert (row.target_type, row.target_id, row.title) == ("meeting", meeting.id, TITLE)
    assert abs(row.anchor_at - minutes_check_deadline(submitted)) < timedelta(seconds=5)
    assert row.due_at == row.anchor_at - timedelta(days=1)

    # Matti approves; a day before the check time runs out only Aino is reminded.
    first = await matti.press("Hyväksyn muistion")
    assert first["text"].startswith("Kiitos! Muistio julkaistaan")
    await idle(harness)
    harness.clock.advance(row.due_at - harness.clock.now() + timedelta(minutes=1))
    await run_reminders(harness)
    text = text_of(await shown(aino, MINUTES_NUDGE))
    assert TITLE in text and "Tarkasta pöytäkirja viimeistään" in text
    assert not await got(matti, MINUTES_NUDGE)
    assert not await got(coordinator, MINUTES_NUDGE)

    # Aino approves: published, and the reminder is removed.
    second = await aino.press("Hyväksyn muistion")
    assert second["text"] == "Kiitos! Muistio on nyt julkaistu."
    assert (await the_meeting(harness)).minutes_status is MinutesStatus.PUBLISHED
    assert await rows(harness, ReminderKind.MINUTES_APPROVAL) == []


async def test_chairs_joint_meeting_reminds_the_invited_chairs(harness: Harness) -> None:
    lead = await harness.person("Leena", Role.LEAD_COORDINATOR, None)
    north = await harness.person("Pirjo", Role.CHAIR, "pohjoinen")
    south = await harness.person("Sami", Role.CHAIR, "etelainen")
    member = await harness.person("Matti", Role.MEMBER, "pohjoinen")
    await reply(lead, lead.send("/kokoukset"), "Kokouksia ei ole vielä.")
    tables = await reply(lead, lead.press("➕ Uusi kokousaikakysely"), "Minkä pöydän kokous?")
    await reply(
        lead, lead.press("Puheenjohtajien yhteinen kokous", tables), "Kirjoita kokouksen nimi."
    )
    await reply(lead, lead.send("Puheenjohtajien vuosikokous"), "Missä kokous on?")
    await reply(lead, lead.send("Kaupungintalo"), "Lisää 2–20 aikavaihtoehtoa.")
    times = await reply(lead, lead.send("14.1. 17-19\n21.1. 17-19"), "Ajat nyt:")
    await reply(lead, lead.press("Valmis", times), "Milloin vastausaika päättyy?")
    summary = await reply(lead, lead.send("10.1. 16"), "Tarkista kysely:")
    await reply(lead, lead.press("Lähetä kysely", summary), "Kysely on lähetetty 2 jäsenelle.")
    await settle(harness)
    chairs = sorted([await person_id(harness, north), await person_id(harness, south)])
    (row,) = await rows(harness)
    assert row.kind is ReminderKind.MEETING_POLL and row.table_id is None
    assert (row.audience, sorted(row.person_ids)) == (int(Audience.NAMED), chairs)

    await south.press("2: Sopii")
    await idle(harness)
    harness.clock.advance(row.due_at - harness.clock.now() + timedelta(minutes=1))
    await run_reminders(harness)
    await shown(north, POLL_NUDGE)
    assert not await got(south, POLL_NUDGE)
    assert not await got(member, POLL_NUDGE)
    assert not await got(lead, POLL_NUDGE)

    listing = await reply(lead, lead.send("/kokoukset"), "Kokoukset:")
    view = await reply(lead, lead.press(buttons(listing)[1][0], listing), "Kyselyyn vastanneita")
    await lead.press("Sulje kysely nyt", view)
    await settle(harness)
    await reply(lead, lead.press("Vahvista tämä aika"), "Aika on vahvistettu:")
    reminders = await rows(harness)
    assert [r.kind for r in reminders] == [ReminderKind.MEETING] * 3
    assert all(
        (r.audience, sorted(r.person_ids)) == (int(Audience.NAMED), chairs) for r in reminders
    )
    # South's answer made 21.1. the best time.
    assert local_times(harness, reminders) == [(14, 1, 17, 0), (20, 1, 17, 0), (21, 1, 15, 0)]
