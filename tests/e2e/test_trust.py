"""Roles end with the term, one person cannot drown the bot, and nobody is a channel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from emulator.client import text_of
from storage.roles import Role
from storage.updates import ProcessedUpdate
from tests.e2e.conftest import Harness


async def test_membership_ends_with_the_term(harness: Harness) -> None:
    member = await harness.person("Matti", Role.MEMBER)
    await member.send("/jasenet")
    assert "Matti – jäsen" in text_of(await member.expect_message())
    term_end = harness.app.settings.term_ends_on
    today = harness.clock.now().astimezone(harness.app.settings.zone).date()
    harness.clock.advance(timedelta(days=(term_end - today).days + 1))
    await member.send("/jasenet")
    assert text_of(await member.expect_message()) == (
        "Jäsenlista on vain pöydän jäsenille.\n"
        "Jos olet jäsen, pyydä koordinaattorilta kutsulinkki."
    )


@pytest.mark.parametrize("flood_limit", [5])
async def test_a_flood_from_one_person_is_dropped_with_one_note(harness: Harness) -> None:
    # The harness fixture reads the limit from this test's parameter (see conftest).
    member = await harness.person("Matti", Role.MEMBER)  # /start was update 1 of 5
    other = await harness.person("Aino", Role.MEMBER)
    for _ in range(8):
        await member.send("hei")
    replies = sorted([text_of(await member.expect_message()) for _ in range(5)])
    assert replies == ["En ymmärtänyt. Paina /valikko, niin näet kaikki toiminnot."] * 4 + [
        "Odota hetki. Tuli monta viestiä nopeasti, joten en käsitellyt kaikkia."
    ]
    await member.expect_no_message(within=0.5)
    await other.send("/apua")  # others are served as usual
    assert "/valikko" in text_of(await other.expect_message())
    async with harness.db() as session:
        handled = await session.scalar(select(func.count()).select_from(ProcessedUpdate))
    assert handled == 2 + 4 + 1  # two /starts, Matti's four texts, Aino's /apua


async def test_an_update_delivered_twice_takes_effect_once(harness: Harness) -> None:
    from storage.invites import Invite

    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    await coordinator.send("/kutsu")
    await coordinator.expect_message(containing="Valitse kutsuttavan rooli")
    await coordinator.press("Jäsen")
    await coordinator.expect_message()  # the QR code
    async with harness.db() as session:
        assert await session.scalar(select(func.count()).select_from(Invite)) == 1
    before = await harness.snapshot()

    replayed = await harness.emu.replay()
    assert "callback_query" in replayed
    await harness.settle(0.5)
    async with harness.db() as session:
        assert await session.scalar(select(func.count()).select_from(Invite)) == 1
    assert await harness.snapshot() == before
    await coordinator.expect_no_message(within=0.3)
