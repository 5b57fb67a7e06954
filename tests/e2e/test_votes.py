"""Votes on other decisions: operating money by open vote, chair elections by secret ballot."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, text

from emulator.client import buttons, text_of
from storage.audit import AuditEntry
from storage.people import table_roster
from storage.roles import Role
from storage.sealing import MARK_BYTES, SEALED_BYTES
from storage.votes import Ballot, SecretChoice, SecretParticipation
from tests.e2e.conftest import Harness
from tests.e2e.test_statements import close_votes, eventually, fresh, last_id, say, tap


async def start_ballot(coordinator: Any, kind: str) -> None:
    await say(coordinator, "/valikko", "Mitä haluat tehdä?")
    await tap(coordinator, "🗳 Äänestykset", "Avoimet äänestykset.")
    await tap(coordinator, "➕ Uusi äänestys: Pohjoinen kumppanuuspöytä", "Mistä äänestetään?")
    await coordinator.press(kind)


async def test_operating_money_vote_with_bad_input(harness: Harness) -> None:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    members = [await harness.person(name) for name in ("Matti", "Liisa", "Olli")]
    outsider = await harness.person("Eero", Role.MEMBER, "etelainen")
    await start_ballot(coordinator, "Toimintarahan käyttö")
    await fresh(coordinator, "Mihin toimintaraha käytetään?", 0)
    await say(coordinator, "Kerro Pois! -kahvit", "Kuinka paljon rahaa?")
    before = await harness.snapshot()
    reply = await say(coordinator, "paljon", "En ymmärtänyt summaa.")
    assert text_of(reply) == (
        "En ymmärtänyt summaa. Kirjoita pelkkä luku, esimerkiksi 150 tai 150,50."
    )
    assert await harness.snapshot() == before
    await say(coordinator, "150,5", "Kenelle raha maksetaan?")
    await say(coordinator, "Kahvila Kiveriö", "Kuinka kauan äänestys on auki?")
    assert (await coordinator.press("1 päivä"))["text"] == "Äänestys alkoi."
    await harness.settle()
    ballot_message = await fresh(members[0], "Toimintaraha", 0)
    assert "Summa: 150,50\u00a0€" in text_of(ballot_message)
    assert "Saaja: Kahvila Kiveriö" in text_of(ballot_message)
    assert ["Kannatan", "En ota kantaa"] in buttons(ballot_message)

    for member in members[:2]:
        assert (await member.press("Kannatan"))["text"] == "Äänesi on tallennettu: Kannatan."
    async with harness.db() as session:
        ballot = await session.scalar(select(Ballot))
        assert ballot is not None
    await eventually(harness, lambda s: s.scalar(text("SELECT count(*) FROM open_votes")), 2)

    before = await harness.snapshot()
    answer = await members[0].press("Kannatan")
    assert answer["text"] == "Olet jo äänestänyt näin: Kannatan. Ääni lasketaan vain kerran."
    own = (await outsider.history())[-1]
    answer = await outsider.press_data(own, f"v:{ballot.id}:agree")
    assert answer["text"] == "Vain tämän pöydän jäsenet voivat äänestää."
    answer = await coordinator.press_data(
        (await coordinator.history())[-1], f"v:{ballot.id}:agree"
    )
    assert answer["text"] == "Vain tämän pöydän jäsenet voivat äänestää."
    answer = await members[2].press_data(ballot_message, f"v:{ballot.id}:maybe")
    assert answer["text"] == "Tämä nappi ei ole enää käytössä. Paina /valikko."
    assert await harness.snapshot() == before

    harness.clock.advance(timedelta(days=1, minutes=1))
    before = await harness.snapshot()
    answer = await members[2].press("Vastustan")
    assert answer["text"] == "Äänestys on jo päättynyt. Ääntä ei tallennettu."
    assert await harness.snapshot() == before
    await close_votes(harness)
    result = await fresh(members[2], "Äänestys päättyi", 0)
    assert "Kannatan: 2 · En ota kantaa: 0 · Vastustan: 0 · Estän: 0" in text_of(result)
    assert "Äänesti 2/3." in text_of(result)
    assert "Tulos: Hyväksytty." in text_of(result)
    assert await close_votes(harness) == 0  # closed once, announced once


async def test_secret_chair_election(harness: Harness) -> None:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    names = ["Aino", "Bertta", "Cecilia", "Daniel", "Eino", "Fanni"]
    # Aino chairs the table until the election.
    voters = [
        await harness.person(name, Role.CHAIR if name == "Aino" else Role.MEMBER) for name in names
    ]
    await start_ballot(coordinator, "Puheenjohtajan vaali")
    await fresh(coordinator, "Kuinka kauan äänestys on auki?", 0)
    assert (await coordinator.press("3 päivää"))["text"] == "Äänestys alkoi."
    await harness.settle()
    ballot_message = await fresh(voters[0], "Puheenjohtajan vaali", 0)
    assert "Vaali on salainen." in text_of(ballot_message)
    assert buttons(ballot_message) == [[name] for name in [*names, "Tyhjä"]]

    before = await harness.snapshot()
    plan = {
        "Aino": "Bertta",
        "Bertta": "Bertta",
        "Cecilia": "Aino",
        "Daniel": "Bertta",
        "Eino": "Tyhjä",
    }
    for voter in voters[:5]:
        answer = await voter.press(plan[voter.first_name])
        assert answer["text"] == "Äänesi on tallennettu. Kukaan ei näe, ketä äänestit."
    answer = await voters[0].press("Aino")
    assert answer["text"] == "Olet jo äänestänyt. Salaisessa vaalissa ääntä ei voi muuttaa."
    answer = await coordinator.press_data(
        (await coordinator.history())[-1],
        ballot_message["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
    )
    assert answer["text"] == "Vain tämän pöydän jäsenet voivat äänestää."
    await eventually(harness, lambda s: s.scalar(text("SELECT count(*) FROM secret_choices")), 5)

    # What voting changed in the database: an opaque mark per voter and a sealed choice per
    # vote, on random keys. Nothing else, and nothing that names a voter or an option.
    after = await harness.snapshot()
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed == {"secret_participation", "secret_choices"}
    async with harness.db() as session:
        marks = list(await session.scalars(select(SecretParticipation.voter)))
        sealed = list(await session.scalars(select(SecretChoice.sealed)))
    assert len(marks) == len(set(marks)) == 5 and {len(m) for m in marks} == {MARK_BYTES}
    assert len(sealed) == len(set(sealed)) == 5 and {len(s) for s in sealed} == {SEALED_BYTES}
    assert all(len(row) == 2 for row in after["secret_participation"])
    assert all(len(row) == 3 and len(row[0]) == 32 for row in after["secret_choices"])

    # Before the close nobody sees a tally, coordinators included.
    listing = await tap(coordinator, "🗳 Äänestykset", "Avoimet äänestykset.")
    assert "Bertta: " not in text_of(listing)

    harness.clock.advance(timedelta(days=3, minutes=1))
    await close_votes(harness)
    result = await fresh(voters[5], "Äänestys päättyi", 0)
    assert "Bertta: 3" in text_of(result)
    assert "Aino: 1" in text_of(result)
    assert "Tyhjä: 1" in text_of(result)
    assert "Äänesti 5/6." in text_of(result)
    assert "Valituksi tuli Bertta." in text_of(result)
    # Counted, the sealed rows are gone: the counts in the result are the record.
    async with harness.db() as session:
        assert list(await session.scalars(select(SecretChoice))) == []
        assert list(await session.scalars(select(SecretParticipation))) == []
    # The elected takes the chair; the former chair sits on as a member.
    table = await harness.table()
    today = harness.clock.now().astimezone(harness.app.settings.zone).date()
    async with harness.db() as session:
        roles = {p.first_name: role for p, role in await table_roster(session, table.id, today)}
        seated = list(
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.action == "election.seated")
            )
        )
    assert roles["Bertta"] is Role.CHAIR and roles["Aino"] is Role.MEMBER
    assert [r for r in roles.values() if r is Role.CHAIR] == [Role.CHAIR]
    assert seated == ["election.seated"]
    since = await last_id(voters[5])
    answer = await voters[5].press("Fanni", ballot_message)
    assert answer["text"] == "Äänestys on jo päättynyt. Ääntä ei tallennettu."
    assert since == await last_id(voters[5])
