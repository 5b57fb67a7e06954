"""Reminders as people meet them: a due reminder in their chat, and /muistutukset buttons."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from emulator.client import buttons, text_of
from scheduler.reminders import register_jobs, tick
from storage.people import Person
from storage.reminders import (
    Audience,
    Reminder,
    ReminderKind,
    ReminderPreference,
    ReminderStatus,
    TableReminderSettings,
    Target,
    schedule,
)
from storage.roles import Role
from tests.e2e.conftest import Harness, shown

DENIED = "Tämä toiminto ei ole sinun käytössäsi. Paina /valikko, niin näet omat toimintosi."
STALE = "Tämä nappi ei ole enää käytössä. Paina /valikko."


async def go_to_local(harness: Harness, hour: int) -> datetime:
    """Move the bot's clock to the next `hour`.00 Helsinki time; returns that moment."""
    zone = harness.app.settings.zone
    now = harness.clock.now()
    target = datetime.combine(
        now.astimezone(zone).date() + timedelta(days=1), time(hour), tzinfo=zone
    )
    harness.clock.advance(target - now)
    return target


async def prefs_of(harness: Harness, user: Any) -> ReminderPreference | None:
    async with harness.db() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == user.id))
        assert person is not None
        return await session.get(ReminderPreference, person.id)


async def saved(
    harness: Harness, user: Any, check: Callable[[ReminderPreference], bool]
) -> ReminderPreference:
    """The person's saved choices once they pass `check`: the reply can beat the commit."""
    deadline = asyncio.get_running_loop().time() + 5
    while True:
        prefs = await prefs_of(harness, user)
        if prefs is not None and check(prefs):
            return prefs
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"choices not saved: {prefs and vars(prefs)}")
        await asyncio.sleep(0.05)


async def run_tick(harness: Harness) -> None:
    app = harness.app
    await tick(app.sessionmaker, app.clock, app.i18n, default_zone=app.settings.timezone)
    await harness.settle()


async def test_a_due_meeting_reminder_shows_in_the_members_chat(harness: Harness) -> None:
    member = await harness.person("Matti", Role.MEMBER)
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    outsider = await harness.person("Olli", Role.MEMBER, "keskusta")
    noon = await go_to_local(harness, 12)
    table = await harness.table()
    async with harness.db() as session:
        await schedule(
            session,
            target=Target("meeting", 1),
            table_id=table.id,
            kind=ReminderKind.MEETING,
            anchor=noon + timedelta(days=1, minutes=1),
            title="Syyskokous <Kirjastolla>",
            now=noon,
            audience=Audience.TABLE,
        )
    await run_tick(harness)
    await member.expect_no_message(within=0.3)

    harness.clock.advance(timedelta(minutes=2))
    await run_tick(harness)
    for person in (member, coordinator):
        text = text_of(await person.expect_message(containing="Muistutus: sinulla on kokous."))
        assert "Syyskokous <Kirjastolla>" in text  # escaped on the way, shown as typed
        assert "klo 12.01" in text
    await outsider.expect_no_message(within=0.3)

    await run_tick(harness)  # a second tick, as after a restart: nothing twice
    await member.expect_no_message(within=0.3)
    async with harness.db() as session:
        rows = list(
            await session.scalars(select(Reminder).where(Reminder.status == ReminderStatus.SENT))
        )
    assert [(r.offset_minutes, r.recipients) for r in rows] == [(24 * 60, 2)]


async def test_reminder_buttons_change_the_persons_choices(harness: Harness) -> None:
    member = await harness.person("Matti", Role.MEMBER)
    other = await harness.person("Pirjo", Role.CHAIR)
    await member.send("/muistutukset")
    settings = await member.expect_message(containing="Muistutukset")
    assert ["✅ Kokoukset", "✅ Kyselyt ja äänestykset"] in buttons(settings)
    assert "Toimikauden loppu" not in text_of(settings)  # that one is for coordinators
    assert await prefs_of(harness, member) is None  # looking changes nothing

    answer = await member.press("✅ Kokoukset")
    assert answer["text"] == "Kokoukset: muistutukset pois."
    await shown(member, "🔕 Kokoukset")
    await saved(harness, member, lambda p: p.kinds_off == ["meeting"])

    await member.press("📰 Päivän kooste: pois")
    await shown(member, "Päivän kooste on päällä.")
    await saved(harness, member, lambda p: p.digest is True)

    await member.press("🌙 Hiljainen aika: 21.00–08.00")
    await shown(member, "Valitse hiljainen aika.")
    await member.press("22.00–07.00")
    await shown(member, "Hiljainen aika: 22.00–07.00.")
    await saved(harness, member, lambda p: (p.quiet_start, p.quiet_end) == (22, 7))
    await member.press("🌙 Hiljainen aika: 22.00–07.00")
    await member.press("Ei hiljaista aikaa")
    await shown(member, "Hiljainen aika: ei käytössä.")
    await saved(harness, member, lambda p: (p.quiet_start, p.quiet_end) == (None, None))
    await member.press("🌙 Hiljainen aika: ei käytössä")
    await member.press("Takaisin")  # changes nothing
    await shown(member, "Hiljainen aika: ei käytössä.")

    await member.press("🔕 Kokoukset")
    await member.press("✅ Kokoukset")  # and off again: meetings stay quiet for Matti
    await member.press("📰 Päivän kooste: päällä")
    prefs = await saved(harness, member, lambda p: p.digest is False)
    assert prefs.kinds_off == ["meeting"]
    assert (prefs.quiet_start, prefs.quiet_end) == (None, None)

    noon = await go_to_local(harness, 12)
    table = await harness.table()
    async with harness.db() as session:
        await schedule(
            session,
            target=Target("meeting", 2),
            table_id=table.id,
            kind=ReminderKind.MEETING,
            anchor=noon + timedelta(hours=2),
            title="Kevätkokous",
            now=noon - timedelta(minutes=1),
        )
    await run_tick(harness)
    await other.expect_message(containing="Kevätkokous")
    await member.expect_no_message(within=0.3)


async def test_menu_has_reminders_for_members(harness: Harness) -> None:
    member = await harness.person("Matti", Role.MEMBER)
    await member.send("/valikko")
    menu = await member.expect_message(containing="Mitä haluat tehdä?")
    assert any("🔔 Muistutukset" in row for row in buttons(menu))
    await member.press("🔔 Muistutukset")
    await shown(member, "Paina nappia, niin muistutus menee päälle tai pois.")


async def test_forged_reminder_buttons_change_nothing(harness: Harness) -> None:
    member = await harness.person("Matti", Role.MEMBER)
    await member.send("/reminders")
    settings = await member.expect_message(containing="Muistutukset")
    before = await harness.snapshot()
    for data in ("rmh:25-3", "rmk:term", "rmk:nothing"):
        answer = await member.press_data(settings, data)
        assert (answer["text"], answer["show_alert"]) == (STALE, True)
    assert await harness.snapshot() == before


async def test_a_resident_has_no_reminder_settings(harness: Harness) -> None:
    resident = await harness.person("Aino", None)
    before = await harness.snapshot()
    await resident.send("/muistutukset")
    assert text_of(await resident.expect_message()) == DENIED
    assert await harness.snapshot() == before


async def test_coordinator_sets_when_meeting_reminders_come(harness: Harness) -> None:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    table = await harness.table()
    now = harness.clock.now()
    async with harness.db() as session:
        await schedule(
            session,
            target=Target("meeting", 3),
            table_id=table.id,
            kind=ReminderKind.MEETING,
            anchor=now + timedelta(days=10),
            title="Syyskokous",
            now=now,
        )
    await coordinator.send("/muistutukset")
    await coordinator.expect_message(containing="Toimikauden loppu")
    await coordinator.press("⚙️ Pöydän kokousmuistutukset")
    await shown(coordinator, "Milloin jäsenet saavat muistutuksen kokouksesta?")
    await shown(coordinator, "Nyt: 7 pv, 1 pv, 2 h ennen.")
    answer = await coordinator.press("1 pv, 2 h ennen")
    assert answer["text"] == "Tallennettu."
    await shown(coordinator, "Nyt: 1 pv, 2 h ennen.")
    async with harness.db() as session:
        settings = await session.get(TableReminderSettings, table.id)
        assert settings is not None and settings.meeting_offsets == [24 * 60, 120]
        rows = list(await session.scalars(select(Reminder).where(Reminder.target_id == 3)))
    assert sorted(r.offset_minutes for r in rows) == [120, 24 * 60]


async def test_only_the_tables_coordinator_may_set_its_reminder_times(harness: Harness) -> None:
    await harness.person("Kaija", Role.COORDINATOR)
    member = await harness.person("Matti", Role.MEMBER)
    other = await harness.person("Olli", Role.COORDINATOR, "keskusta")
    table_id = (await harness.table()).id
    before = await harness.snapshot()
    for person in (member, other):
        await person.send("/muistutukset")
        settings = await person.expect_message(containing="Muistutukset")
        for data in (f"rms:{table_id}:2d", f"rmo:{table_id}"):
            answer = await person.press_data(settings, data)
            assert (answer["text"], answer["show_alert"]) == (STALE, True)
    await member.press_data(settings, "rmt:")
    assert await harness.snapshot() == before


async def test_the_running_ticker_sends_due_reminders_by_itself(harness: Harness) -> None:
    member = await harness.person("Matti", Role.MEMBER)
    app = harness.app
    jobs = app.ticker.job_count
    register_jobs(
        app.ticker,
        app.sessionmaker,
        app.clock,
        app.i18n,
        default_zone=app.settings.timezone,
        interval=0.1,
    )
    assert app.ticker.job_count == jobs  # reminders and term endings: replaced, not added
    noon = await go_to_local(harness, 12)
    table = await harness.table()
    async with harness.db() as session:
        await schedule(
            session,
            target=Target("meeting", 4),
            table_id=table.id,
            kind=ReminderKind.MEETING,
            anchor=noon + timedelta(hours=2),
            title="Pikakokous",
            now=noon - timedelta(minutes=1),
        )
    await member.expect_message(containing="Pikakokous")
    await member.expect_no_message(within=0.5)
