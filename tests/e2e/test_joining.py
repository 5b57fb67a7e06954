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
    assert {"👥 Jäsenet", "🙂 Omat tiedot"} <= {b for row in buttons(welcome) for b in row}

    await newcomer.send("/jasenet")
    roster = await newcomer.expect_message(containing="Pohjoinen kumppanuuspöytä")
    assert "Matti – jäsen" in text_of(roster)
    assert "Kaija – koordinaattori" in text_of(roster)

    async with harness.db() as session:
        invite = await session.scalar(select(Invite).where(Invite.token == token))
        assert invite is not None and invite.used_at is not None
        person = await session.scalar(select(Person).where(Person.telegram_id == newcomer.id))
        assert person is not None and invite.used_by == person.id
        membership = await session.scalar(
            select(Membership).where(Membership.person_id == person.id)
        )
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
    assert text_of(reply) == (
        "Tämä kutsulinkki on jo käytetty.\nPyydä koordinaattorilta oma, uusi linkki."
    )
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
    assert text_of(reply) == (
        "Tämä kutsulinkki on vanhentunut.\nPyydä koordinaattorilta uusi linkki."
    )
    assert await harness.snapshot() == before


async def test_forged_link_is_refused_and_changes_nothing(harness: Harness) -> None:
    stranger = await harness.user("Veikko")
    await stranger.send("/start")
    await stranger.expect_message()
    before = await harness.snapshot()
    await stranger.send("/start not-a-real-token_123")
    reply = await stranger.expect_message()
    assert text_of(reply) == (
        "Tämä kutsulinkki ei toimi.\nTarkista linkki tai pyydä koordinaattorilta uusi."
    )
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


async def test_joining_sets_the_persons_own_command_list(harness: Harness) -> None:
    from aiogram.types import BotCommandScopeAllPrivateChats, BotCommandScopeChat

    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    token = await make_invite(harness, coordinator)
    newcomer = await harness.user("Matti")
    await newcomer.send(f"/start {token}")
    await newcomer.expect_message(containing="Tervetuloa")
    own = await harness.app.bot.get_my_commands(scope=BotCommandScopeChat(chat_id=newcomer.id))
    names = [c.command for c in own]
    # The foundation's commands keep their order; features add theirs in between and after.
    assert [n for n in names if n in {"valikko", "apua", "jasenet", "tiedot", "kieli"}] == [
        "valikko",
        "apua",
        "jasenet",
        "tiedot",
        "kieli",
    ]
    assert {"kokoukset", "lausunnot", "muistutukset", "sahkoposti"} <= set(names)
    assert "kutsu" not in names
    swedish = await harness.app.bot.get_my_commands(
        scope=BotCommandScopeAllPrivateChats(), language_code="sv"
    )
    assert [c.command for c in swedish] == ["menu", "help", "me", "mydata", "language"]


CSV = ("nimi;rooli;sähköposti\nMaija Meikäläinen;jäsen;maija@example.fi\nPekka Puu;pj;\n").encode(
    "utf-8-sig"
)


async def _start_import(coordinator) -> None:
    await coordinator.send("/kutsu")
    await coordinator.expect_message(containing="Valitse kutsuttavan rooli")
    await coordinator.press("📄 Monta kerralla (CSV)")
    await coordinator.expect_message(containing="Lähetä CSV-tiedosto.")


async def test_csv_import_returns_a_csv_of_personal_links(harness: Harness) -> None:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    await _start_import(coordinator)
    await coordinator.send_document("jasenet.csv", CSV)
    reply = await coordinator.expect_message(containing="Valmis: 2 kutsulinkkiä.")
    content = (await harness.emu.download(reply["document"]["file_id"])).decode("utf-8-sig")
    rows = [line.split(";") for line in content.strip().splitlines()]
    assert rows[0] == ["nimi", "rooli", "sähköposti", "kutsulinkki", "vanhenee"]
    assert [r[:3] for r in rows[1:]] == [
        ["Maija Meikäläinen", "jäsen", "maija@example.fi"],
        ["Pekka Puu", "puheenjohtaja", ""],
    ]
    token = LINK.search(rows[2][3])
    assert token is not None

    pekka = await harness.user("Pekka")
    await pekka.send(f"/start {token.group(1)}")
    assert "Roolisi: puheenjohtaja" in text_of(await pekka.expect_message())


async def test_csv_with_errors_makes_no_invites(harness: Harness) -> None:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    await _start_import(coordinator)
    before = await harness.snapshot()
    await coordinator.send_document("jasenet.csv", b"Liisa;kuningatar\n;jasen\n")
    reply = text_of(await coordinator.expect_message())
    assert reply == (
        "Tiedostossa on virheitä. Yhtään kutsua ei tehty.\n\n"
        "Rivi 1: rooli on tuntematon (käytä: jäsen, pj, vpj, "
        "nuorisovaltuuston edustaja, koordinaattori)\n"
        "Rivi 2: nimi puuttuu tai on liian pitkä\n\n"
        "Korjaa tiedosto ja lähetä se uudelleen."
    )
    await coordinator.send_document("kuva.png", b"\x89PNG....")
    assert text_of(await coordinator.expect_message()) == (
        "Tämä ei ole CSV-tiedosto. Lähetä tiedosto, jonka nimi päättyy .csv."
    )
    await coordinator.send_document("rikki.csv", b"\x00\x00\xff")
    assert text_of(await coordinator.expect_message()) == (
        "En saanut tiedostoa auki. Tallenna se CSV-muodossa (UTF-8) ja lähetä uudelleen."
    )
    assert await harness.snapshot() == before
