"""An announcement and a reminder reach a Finnish, a Swedish and an English member, each in
their own language; only what the author wrote stays as written."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from emulator.client import buttons, text_of
from scheduler.reminders import tick
from storage.announcements import Acknowledgement
from storage.reminders import Audience, ReminderKind, Target, schedule
from storage.roles import Role
from tests.e2e.conftest import Harness

# What the Finnish copies say around the author's words; none of it may reach sv or en readers.
FINNISH_ANNOUNCEMENT = ("Tiedote", "Olen lukenut", "Pohjoinen kumppanuuspöytä")
FINNISH_REMINDER = ("Muistutus", "kokous", "Kokous alkaa", " klo ", "muistutuksia")

ANNOUNCEMENT_COPIES = {
    "fi": ("📢 Tiedote – Pohjoinen kumppanuuspöytä", "✅ Olen lukenut"),
    "sv": ("📢 Meddelande – Norra partnerskapsbordet", "✅ Jag har läst"),
    "en": ("📢 Announcement – North partnership table", "✅ I have read this"),
}
REMINDER_COPIES = {
    "fi": ("🔔 Muistutus: sinulla on kokous.", "Kokous alkaa", "klo 12.01"),
    "sv": ("🔔 Påminnelse: du har ett möte.", "Mötet börjar", "kl. 12.01"),
    "en": ("🔔 Reminder: you have a meeting.", "The meeting starts", "at 12.01"),
}
WRITTEN = "Talkoot lauantaina <Kirjastolla> – tervetuloa!"


async def test_each_member_reads_the_announcement_in_their_own_language(
    harness: Harness,
) -> None:
    coordinator = await harness.person("Kaisa", Role.COORDINATOR)
    members = {
        language: await harness.person(name, Role.MEMBER, language=language)
        for language, name in (("fi", "Anna"), ("sv", "Sven"), ("en", "Emma"))
    }

    await coordinator.send("/tiedote")
    await coordinator.expect_message("Kirjoita tiedote")
    await coordinator.send(WRITTEN)
    await coordinator.expect_message("Ketkä pöydistä")
    await coordinator.press("Kaikki jäsenet")
    await coordinator.expect_message(WRITTEN)
    await coordinator.expect_message("Lähetetäänkö?")
    await coordinator.press("▫️ Olen lukenut -nappi")
    await coordinator.press("📤 Lähetä nyt")

    copies = {}
    for language, member in members.items():
        copy = await member.expect_message(WRITTEN)
        header, button = ANNOUNCEMENT_COPIES[language]
        text = text_of(copy)
        assert text.startswith(header)
        assert text.endswith("– Kaisa")
        assert buttons(copy) == [[button]]
        if language != "fi":
            around = text.replace(WRITTEN, "") + button
            assert not [w for w in FINNISH_ANNOUNCEMENT if w in around], (language, text)
        copies[language] = copy

    swede = members["sv"]
    answer = await swede.press("✅ Jag har läst", copies["sv"])
    assert answer["text"] == "Tack! Kvitteringen är sparad."
    async with harness.db() as session:
        assert await session.scalar(select(func.count()).select_from(Acknowledgement)) == 1


async def test_each_member_reads_the_reminder_in_their_own_language(harness: Harness) -> None:
    members = {
        language: await harness.person(name, Role.MEMBER, language=language)
        for language, name in (("fi", "Anna"), ("sv", "Sven"), ("en", "Emma"))
    }
    zone = harness.app.settings.zone
    now = harness.clock.now()
    noon = datetime.combine(now.astimezone(zone).date() + timedelta(days=1), time(12), tzinfo=zone)
    harness.clock.advance(noon - now)
    table = await harness.table()
    async with harness.db() as session:
        await schedule(
            session,
            target=Target("meeting", 1),
            table_id=table.id,
            kind=ReminderKind.MEETING,
            anchor=noon + timedelta(days=1, minutes=1),
            title="Syyskokous",
            now=noon - timedelta(minutes=1),
            audience=Audience.TABLE,
        )
    harness.clock.advance(timedelta(minutes=2))  # the day-before reminder is due
    app = harness.app
    await tick(app.sessionmaker, app.clock, app.i18n, default_zone=app.settings.timezone)
    await harness.settle()

    for language, member in members.items():
        text = text_of(await member.expect_message("Syyskokous"))
        for expected in REMINDER_COPIES[language]:
            assert expected in text, (language, text)
        if language != "fi":
            around = text.replace("Syyskokous", "")
            assert not [w for w in FINNISH_REMINDER if w in around], (language, text)
