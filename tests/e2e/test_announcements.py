"""Announcements end to end: a coordinator writes, members receive, the author sees the report."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.message import Message as MimeMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
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
    return await author.expect_message("Lähetetäänkö?")


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
    assert "Perillä: 2\nEstänyt botin: 0\nEi ole aloittanut bottia: 0\nEpäonnistui: 0" \
        in text_of(report)
    async with harness.db() as session:
        sent = await session.scalar(select(func.count()).select_from(OutboxMessage)
                                    .where(OutboxMessage.status == Delivery.SENT))
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
        await session.execute(update(Table).where(Table.slug == "pohjoinen")
                              .values(group_chat_id=group.id))

    options = await to_all_members(coordinator, "Tärkeä: uusi kokouspaikka")
    assert "1 ryhmää" in text_of(options)
    await coordinator.press("▫️ Kiinnitä ryhmässä")
    await coordinator.press("▫️ Olen lukenut -nappi")
    await coordinator.press("📤 Lähetä nyt")

    posted = await group.expect_message("Tärkeä: uusi kokouspaikka")
    got = await anna.expect_message("Tärkeä: uusi kokouspaikka")
    assert buttons(got) == [["✅ Olen lukenut"]]
    await wait_until(lambda: _pinned(group, posted["message_id"]), timeout=5)
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
