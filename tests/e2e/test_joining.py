"""Joining a table with a personal invite link, as the coordinator and the invitee see it."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from emulator.client import buttons, text_of
from storage.invites import Invite
from storage.people import Membership, Person
from storage.roles import Role
from tests.e2e.conftest import Harness, shown

LINK = re.compile(r"https://t\.me/poytabot\?start=([A-Za-z0-9_-]+)")


async def make_invite(harness: Harness, coordinator, role_button: str = "Jäsen") -> str:
    await coordinator.send("/kutsu")
    question = await coordinator.expect_message(containing="Valitse kutsuttavan rooli")
    assert "Pohjoinen kumppanuuspöytä" in text_of(question)
    await coordinator.press(role_button)
    qr = await coordinator.expect_message()
    ready = await shown(coordinator, "Kutsulinkki on valmis")
    assert qr.get("photo"), "the QR code comes as a photo"
    match = LINK.search(text_of(ready))
    assert match, text_of(ready)
    return match.group(1)


async def test_coordinator_invites_and_new_member_joins(harness: Harness) -> None:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    token = await make_invite(harness, coordinator)

    newcomer = await harness.user("Matti")
    await newcomer.send(f"/start {token}")
    welcome = await newcomer.expect_message(containing="Tervetuloa, Matti!")
    assert "Pohjoinen kumppanuuspöytä" in text_of(welcome)
    assert "Roolisi: jäsen" in text_of(welcome)
    assert ["👥 Jäsenet", "🙂 Omat tiedot"] in buttons(welcome)

    await newcomer.send("/jasenet")
    roster = await newcomer.expect_message(containing="Pohjoinen kumppanuuspöytä")
    assert "Matti – jäsen" in text_of(roster)
    assert "Kaija – koordinaattori" in text_of(roster)

    async with harness.db() as session:
        invite = await session.scalar(select(Invite).where(Invite.token == token))
        assert invite is not None and invite.used_at is not None
        person = await session.scalar(select(Person).where(Person.telegram_id == newcomer.id))
        assert person is not None and invite.used_by == person.id
        membership = await session.scalar(select(Membership).where(
            Membership.person_id == person.id))
        assert membership is not None and membership.role is Role.MEMBER
        assert membership.ends_on == harness.app.settings.term_ends_on


async def test_reused_link_is_refused_and_changes_nothing(harness: Harness) -> None:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    token = await make_invite(harness, coordinator)
    first = await harness.user("Matti")
    await first.send(f"/start {token}")
    await first.expect_message(containing="Tervetuloa")

    second = await harness.user("Liisa")
    await second.send("/start")
    await second.expect_message()
    before = await harness.snapshot()
    await second.send(f"/start {token}")
    reply = await second.expect_message()
    assert text_of(reply) == ("Tämä kutsulinkki on jo käytetty.\n"
                              "Pyydä koordinaattorilta oma, uusi linkki.")
    assert await harness.snapshot() == before

    await first.send(f"/start {token}")
    again = await first.expect_message()
    assert text_of(again) == "Olet jo liittynyt tällä linkillä. Paina /valikko."


async def test_expired_link_is_refused_and_changes_nothing(harness: Harness) -> None:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    token = await make_invite(harness, coordinator)
    harness.clock.advance(timedelta(days=31))
    late = await harness.user("Matti")
    await late.send("/start")
    await late.expect_message()
    before = await harness.snapshot()
    await late.send(f"/start {token}")
    reply = await late.expect_message()
    assert text_of(reply) == ("Tämä kutsulinkki on vanhentunut.\n"
                              "Pyydä koordinaattorilta uusi linkki.")
    assert await harness.snapshot() == before


async def test_forged_link_is_refused_and_changes_nothing(harness: Harness) -> None:
    stranger = await harness.user("Veikko")
    await stranger.send("/start")
    await stranger.expect_message()
    before = await harness.snapshot()
    await stranger.send("/start not-a-real-token_123")
    reply = await stranger.expect_message()
    assert text_of(reply) == ("Tämä kutsulinkki ei toimi.\n"
                              "Tarkista linkki tai pyydä koordinaattorilta uusi.")
    assert await harness.snapshot() == before


async def test_start_without_link_greets_a_resident(harness: Harness) -> None:
    resident = await harness.user("Aino")
    await resident.send("/start")
    reply = await resident.expect_message(containing="Hei Aino!")
    for table in ("Pohjoinen", "Eteläinen", "Itäinen", "Keskustan"):
        assert table in text_of(reply)
    assert "kutsulinkin" in text_of(reply)
    async with harness.db() as session:
        count = await session.scalar(select(func.count()).select_from(Membership))
    assert count == 0
