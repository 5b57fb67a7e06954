"""Announcements end to end: a coordinator writes, members receive, the author sees the report."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from emulator.client import buttons, text_of, wait_until
from storage.announcements import Announcement, AnnouncementStatus
from storage.outbox import Delivery, OutboxMessage
from storage.roles import Role
from tests.e2e.conftest import Harness


async def _write(harness: Harness, author: Any, text: str) -> dict[str, Any]:
    await author.send("/tiedote")
    await author.expect_message("Kirjoita tiedote")
    await author.send(text)
    return await author.expect_message()


async def _finish_report(harness: Harness, author: Any) -> str:
    async def reported() -> bool:
        async with harness.db() as session:
            status = await session.scalar(select(Announcement.status))
        return status is AnnouncementStatus.DONE

    await wait_until(reported, timeout=10)
    history = await author.history()
    return text_of([m for m in history if "lähetetty" in text_of(m)][-1])


async def test_coordinator_announces_to_own_table(harness: Harness) -> None:
    coordinator = await harness.person("Kaisa", Role.COORDINATOR)
    anna = await harness.person("Anna", Role.MEMBER)
    pekka = await harness.person("Pekka", Role.CHAIR)
    await harness.person("Ville", Role.MEMBER, "keskusta")

    question = await _write(harness, coordinator, "Kokous siirtyy <torstaille> 16.1.")
    assert "Ketkä pöydistä" in text_of(question)
    await coordinator.press("Kaikki jäsenet")
    preview = await coordinator.expect_message("Kokous siirtyy")
    assert "&lt;" not in text_of(preview) and "<torstaille>" in text_of(preview)
    options = await coordinator.expect_message("Vastaanottajia: 2 henkilöä")
    assert "esikatselu" in text_of(options)
    assert ["📤 Lähetä nyt"] in buttons(options)
    await coordinator.press("📤 Lähetä nyt")
    await coordinator.expect_message("Lähetetään")

    for member in (anna, pekka):
        got = await member.expect_message("Kokous siirtyy <torstaille> 16.1.")
        assert "Pohjoinen kumppanuuspöytä" in text_of(got)
        assert "– Kaisa" in text_of(got)
    report = await _finish_report(harness, coordinator)
    assert "Perillä: 2" in report and "Estänyt botin: 0" in report
    async with harness.db() as session:
        sent = await session.scalar(select(func.count()).select_from(OutboxMessage)
                                    .where(OutboxMessage.status == Delivery.SENT))
    assert sent == 2
