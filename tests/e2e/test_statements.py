"""A statement from the city's request to the exported .docx, as the table's people see it."""

from __future__ import annotations

import asyncio
import io
import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from aiogram.types import Update
from docx import Document
from sqlalchemy import func, select

from emulator.client import text_of, wait_until
from scheduler.votes import close_due_ballots
from storage.outbox import Delivery, OutboxMessage
from storage.people import Table
from storage.reminders import Reminder, ReminderStatus
from storage.roles import Role
from storage.statements import (
    Amendment,
    AmendmentStatus,
    DissentingOpinion,
    Statement,
    StatementStatus,
    StatementVersion,
)
from storage.updates import ProcessedUpdate
from storage.vote_rules import Choice
from storage.votes import Ballot, BallotKind, OpenVote, open_ballot
from tests.e2e.conftest import WAIT, Harness, shown
from tests.unit.test_statements import hostile_docx
from views import documents

SUBJECT = "Asemakaava, Kiveriön alue"
V1_PART1 = "Pohjoinen kumppanuuspöytä kannattaa kaavaa.\nPuisto on tärkeä."
V1_PART2 = "Kevyen liikenteen väylä pitää rakentaa ensin."
V2 = (
    "Pohjoinen kumppanuuspöytä kannattaa kaavaa.\n\nPuisto on tärkeä asukkaille.\n\n"
    "Kevyen liikenteen väylä pitää rakentaa ensin."
)


async def close_votes(harness: Harness) -> int:
    app = harness.app
    closed = await close_due_ballots(app.sessionmaker, app.bot, app.clock, app.i18n, app.settings)
    await harness.settle()
    return closed


async def vote(user: Any, label: str, expected: str) -> None:
    answer = await user.press(label)
    assert answer["text"] == expected, answer


async def eventually(harness: Harness, query: Any, expected: Any) -> None:
    """Wait until a query on the database gives the expected value (commits land late)."""

    async def holds() -> bool:
        async with harness.db() as session:
            return bool(await query(session) == expected)

    await wait_until(holds)


async def last_id(user: Any, chat: Any = None) -> int:
    history = await user.history(chat)
    return max((m["message_id"] for m in history), default=0)


async def fresh(
    user: Any, containing: str, since: int, *, chat: Any = None, within: float = WAIT
) -> dict[str, Any]:
    """The first message after `since` that contains the text, once it arrives."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        for message in await user.history(chat):
            if (
                message["message_id"] > since
                and message.get("from", {}).get("is_bot")
                and containing in text_of(message)
            ):
                return dict(message)
        if asyncio.get_running_loop().time() > deadline:
            texts = [text_of(m) for m in (await user.history(chat))[-3:]]
            raise AssertionError(f"{containing!r} not shown; the chat ends with {texts!r}")
        await asyncio.sleep(0.05)


async def say(user: Any, text: str, expect: str, *, chat: Any = None) -> dict[str, Any]:
    since = await last_id(user, chat)
    await user.send(text, chat=chat)
    return await fresh(user, expect, since, chat=chat)


async def tap(user: Any, label: str, expect: str, message: Any = None) -> dict[str, Any]:
    since = await last_id(user)
    await user.press(label, message)
    return await fresh(user, expect, since)


async def open_card(user: Any) -> dict[str, Any]:
    since = await last_id(user)
    await user.press("📝 Avaa lausunto")
    return await fresh(user, "Tila:", since)


async def people(harness: Harness, count: int) -> list[Any]:
    return [await harness.person(f"Jäsen{i:02d}") for i in range(count)]


async def new_request(harness: Harness, coordinator: Any, *, with_file: bool = False) -> None:
    await say(coordinator, "/valikko", "Mitä haluat tehdä?")
    await tap(coordinator, "📝 Lausunnot", "Lausunnot, joita tehdään nyt.")
    await tap(
        coordinator, "➕ Uusi lausuntopyyntö: Pohjoinen kumppanuuspöytä", "Kirjoita asia lyhyesti."
    )
    await say(coordinator, SUBJECT, "Kuka pyytää lausuntoa?")
    await say(coordinator, "Kaupunkiympäristön palvelualue", "Kirjoita diaarinumero.")
    await say(coordinator, "LAH/1234/10.02.03/2026", "Kirjoita tausta")
    if with_file:
        since = await last_id(coordinator)
        await coordinator.send_document("kaavaluonnos.pdf", b"%PDF-1.4 kaava")
        await fresh(coordinator, "Sain liitteen: kaavaluonnos.pdf.", since)
    await say(
        coordinator,
        "Kaavaluonnos: https://www.lahti.fi/kaavat <b>tärkeä</b>",
        "Mihin mennessä kaupunki haluaa lausunnon?",
    )


async def test_full_statement_from_request_to_docx(harness: Harness) -> None:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    chair = await harness.person("Pirjo", Role.CHAIR)
    drafter = await harness.person("Matti")
    liisa = await harness.person("Liisa")
    olli = await harness.person("Olli")
    others = await people(harness, 16)
    members = [chair, drafter, liisa, olli, *others]
    assert len(members) == 20
    group = await harness.emu.create_group(
        "Pohjoisen pöytä", members=[coordinator, chair], supergroup=True, forum=True
    )
    await group.add_bot(by=coordinator, admin=True)
    await group.expect_message(containing="Hei!")
    await coordinator.send("/liita", chat=group)
    await group.expect_message(containing="Minkä pöydän ryhmä tämä on?")
    await coordinator.press("Pohjoinen kumppanuuspöytä", chat=group)
    await shown(coordinator, "Valmis!", chat=group)

    # 1. The request with a background document, a due date in the past refused first.
    await new_request(harness, coordinator, with_file=True)
    before = await harness.snapshot()
    reply = await say(coordinator, "1.1.2020", "Päivä on jo mennyt.")
    assert text_of(reply) == "Päivä on jo mennyt. Kirjoita tuleva päivä."
    reply = await say(coordinator, "huomenna", "En ymmärtänyt päivää.")
    assert text_of(reply) == "En ymmärtänyt päivää. Kirjoita se näin: 14.1.2027"
    assert await harness.snapshot() == before
    await say(coordinator, "15.1.2030", "pöydän oma määräaika")
    await say(coordinator, "8.1.2030 klo 12.00", "Lausuntopyyntö on tehty.")
    await harness.settle()
    async with harness.db() as session:
        statement = await session.scalar(select(Statement))
        assert statement is not None and statement.status is StatementStatus.DRAFTING
        assert statement.group_thread_id is not None
        assert statement.case_number == "LAH/1234/10.02.03/2026"
        kinds = sorted(
            (r.kind.value, r.offset_minutes)
            for r in await session.scalars(
                select(Reminder).where(Reminder.target_type == "statement")
            )
        )
        assert kinds == [
            ("stmt_city", 2 * 1440),
            ("stmt_city", 7 * 1440),
            ("stmt_internal", 2 * 1440),
        ]
    in_group = await shown(coordinator, "Lausuntopyyntö", chat=group)
    assert in_group.get("message_thread_id") == statement.group_thread_id
    assert "&lt;b&gt;tärkeä&lt;/b&gt;" not in text_of(in_group)  # shown as typed, not as markup
    assert "<b>tärkeä</b>" in text_of(in_group)
    notice = await shown(liisa, "Lausuntopyyntö")
    assert "Pöydän oma määräaika: ti 8.1.2030 klo 12.00" in text_of(notice)
    assert "Aikaa on" in text_of(notice)
    attachment = await fresh(liisa, "Liite: " + SUBJECT, 0)
    assert attachment["document"]["file_name"] == "kaavaluonnos.pdf"
    assert await harness.emu.download(attachment["document"]["file_id"]) == b"%PDF-1.4 kaava"
    in_topic = await shown(coordinator, "Liite: " + SUBJECT, chat=group)
    assert in_topic.get("message_thread_id") == statement.group_thread_id

    # 2. The chair names a drafter, who writes version 1 in two messages.
    await open_card(chair)
    await tap(chair, "👤 Nimeä laatija", "Valitse laatija")
    assert (await chair.press("Matti"))["text"] == "Matti on laatija."
    await open_card(drafter)
    await tap(drafter, "✍️ Lähetä luonnos", "Paina lopuksi Valmis.")
    await say(drafter, V1_PART1, "Sain tekstin.")
    await drafter.send(V1_PART2)
    await tap(drafter, "✅ Valmis", "Tallennettu: versio 1.")

    # Version 2 comes as an uploaded .docx.
    await open_card(drafter)
    await tap(drafter, "✍️ Lähetä luonnos", "Paina lopuksi Valmis.")
    since = await last_id(drafter)
    await drafter.send_document("luonnos2.docx", draft_docx(V2))
    await fresh(drafter, "Tallennettu: versio 2.", since)
    card = await open_card(liisa)
    assert "versio 2, Matti" in text_of(card)
    diff = await tap(liisa, "🔍 Mitä muuttui", "Mitä muuttui versiosta 1 versioon 2.")
    assert "+Puisto on tärkeä asukkaille." in text_of(diff)
    assert "-Puisto on tärkeä." in text_of(diff)

    # 3. Two amendments: one accepted, one rejected (after being refused as superseded).
    await propose(
        liisa, "Puisto on tärkeä asukkaille.", "Puisto on tärkeä asukkaille ja koululaisille."
    )
    await propose(olli, "rakentaa ensin.", "rakentaa heti.")
    await harness.settle()
    first = await shown(drafter, "koululaisille")
    answer = await drafter.press("✅ Hyväksy", first)
    assert answer["text"] == "Muutosehdotus hyväksyttiin. Uusi versio on 3."
    # The answer comes before the commit; wait for the commit before comparing snapshots.
    await eventually(
        harness, lambda s: s.scalar(select(func.count()).select_from(StatementVersion)), 3
    )
    second = await shown(drafter, "rakentaa heti.")
    before = await harness.snapshot()
    answer = await drafter.press("✅ Hyväksy", second)
    assert answer["text"] == (
        "Luonnoksesta on tullut uusi versio. Ehdotuksesi koski vanhaa "
        "versiota. Tee ehdotus uuteen versioon."
    )
    assert await harness.snapshot() == before
    answer = await drafter.press("❌ Hylkää", second)
    assert answer["text"] == "Muutosehdotus hylättiin."
    await eventually(
        harness,
        lambda s: s.scalar(
            select(func.count()).select_from(Amendment).where(Amendment.status == "rejected")
        ),
        1,
    )
    async with harness.db() as session:
        statuses = list(await session.scalars(select(Amendment.status).order_by(Amendment.id)))
        assert statuses == [AmendmentStatus.ACCEPTED, AmendmentStatus.REJECTED]
        v3 = await session.scalar(select(StatementVersion).where(StatementVersion.number == 3))
        assert v3 is not None and "koululaisille" in v3.text

    # The background documents come again on request.
    await open_card(liisa)
    since = await last_id(liisa)
    await liisa.press("📎 Liitteet")
    resent = await fresh(liisa, "", since)
    assert resent["document"]["file_name"] == "kaavaluonnos.pdf"

    # Any two versions can be compared.
    await open_card(liisa)
    await tap(liisa, "🔍 Mitä muuttui", "Mitä muuttui versiosta 2 versioon 3.")
    diff = await tap(liisa, "Vertaa: versio 1 → versio 3", "Mitä muuttui versiosta 1 versioon 3.")
    assert "+Puisto on tärkeä asukkaille ja koululaisille." in text_of(diff)

    # 4a. First vote: only 10 of 20 vote, so there is no quorum.
    await start_vote(chair)
    await harness.settle()
    for member in members[:10]:
        await vote(member, "Kannatan", "Äänesi on tallennettu: Kannatan.")
    ballot_message = await fresh(liisa, "Lausunnon hyväksyminen", 0)
    vote_data = ballot_message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    own = (await coordinator.history())[-1]
    assert (await coordinator.press_data(own, vote_data))["text"] == (
        "Vain tämän pöydän jäsenet voivat äänestää."
    )
    harness.clock.advance(timedelta(hours=25))
    assert await close_votes(harness) == 1
    result = await shown(liisa, "Äänestys päättyi")
    assert "Äänesti 10/20." in text_of(result)
    assert "Ei päätöstä: liian moni jäi äänestämättä." in text_of(result)
    assert (await liisa.press("Kannatan"))["text"] == (
        "Äänestys on jo päättynyt. Ääntä ei tallennettu."
    )

    # 4b. Second vote: quorum, but one member blocks.
    await start_vote(chair)
    await harness.settle()
    for member in members[:11]:
        await vote(member, "Kannatan", "Äänesi on tallennettu: Kannatan.")
    await vote(olli, "Estän", "Äänesi on muutettu: Estän.")
    harness.clock.advance(timedelta(hours=25))
    await close_votes(harness)
    result = await shown(olli, "Ei hyväksytty: joku esti päätöksen.")
    assert "Estän: 1" in text_of(result)

    # 4c. Third vote: all 20 vote, five change their minds, the block is resolved.
    await start_vote(chair)
    await harness.settle()
    for member in members:
        await vote(member, "Kannatan", "Äänesi on tallennettu: Kannatan.")
    await vote(
        members[0], "Kannatan", "Olet jo äänestänyt näin: Kannatan. Ääni lasketaan vain kerran."
    )
    for member in members[15:18]:
        await vote(member, "Vastustan", "Äänesi on muutettu: Vastustan.")
    for member in members[18:20]:
        await vote(member, "En ota kantaa", "Äänesi on muutettu: En ota kantaa.")
    dissenter = members[15]
    await tap(dissenter, "💬 Perustelu", "Kirjoita perustelusi yhteen viestiin.")
    await say(dissenter, "Väylä maksaa liikaa.", "Perustelu on tallennettu.")
    async with harness.db() as session:
        ballot = await session.scalar(select(Ballot).order_by(Ballot.id.desc()))
        assert ballot is not None
        votes = Counter(
            await session.scalars(select(OpenVote.choice).where(OpenVote.ballot_id == ballot.id))
        )
        assert votes == {Choice.AGREE: 15, Choice.DISAGREE: 3, Choice.ABSTAIN: 2}
    harness.clock.advance(timedelta(hours=25))
    await close_votes(harness)
    result = await shown(liisa, "Tulos: Hyväksytty.")
    assert "Kannatan: 15 · En ota kantaa: 2 · Vastustan: 3 · Estän: 0" in text_of(result)
    assert "Äänesti 20/20." in text_of(result)
    await shown(coordinator, "Tulos: Hyväksytty.", chat=group)

    # 5. A dissenting opinion, only from someone who voted against.
    await open_card(liisa)
    answer = await liisa.press("✋ Eriävä mielipide")
    assert answer["text"] == "Eriävän mielipiteen voi jättää vain, jos äänestit vastaan."
    await open_card(dissenter)
    await tap(dissenter, "✋ Eriävä mielipide", "Kirjoita eriävä mielipiteesi.")
    await say(
        dissenter,
        "Väylä on liian kallis. Raha kuuluu puistoon.",
        "Eriävä mielipiteesi on liitetty lausuntoon.",
    )

    # 6. Marked as submitted, exported, and found with /lausunnot.
    await open_card(coordinator)
    await tap(coordinator, "📮 Merkitse lähetetyksi", "Kenelle lausunto lähetettiin?")
    await say(coordinator, "Kaupunkiympäristön palvelualue", "Merkitty lähetetyksi")
    await open_card(coordinator)
    since = await last_id(coordinator)
    await coordinator.press("⬇️ Word (.docx)")
    sent = await fresh(coordinator, "Lausunto: " + SUBJECT, since)
    assert sent["document"]["file_name"].endswith(".docx")
    data = await harness.emu.download(sent["document"]["file_id"])
    document = Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "Lausunto: " + SUBJECT
    assert "Pöytä: Pohjoinen kumppanuuspöytä" in texts
    assert "Diaarinumero: LAH/1234/10.02.03/2026" in texts
    assert "Puisto on tärkeä asukkaille ja koululaisille." in texts
    assert "Kannatan: 15 · En ota kantaa: 2 · Vastustan: 3 · Estän: 0" in texts
    assert "Tulos: Hyväksytty." in texts
    assert "Eriävät mielipiteet" in texts
    assert "Väylä on liian kallis. Raha kuuluu puistoon." in texts
    assert any(t.startswith("Lähetetty:") and "Kaupunkiympäristön palvelualue" in t for t in texts)
    since = await last_id(coordinator)
    await coordinator.press("⬇️ Markdown (.md)")
    markdown = await fresh(coordinator, "Lausunto: " + SUBJECT, since)
    assert markdown["document"]["file_name"].endswith(".md")

    listed = await say(liisa, "/lausunnot kaava", "Lausunnot, joissa on sana kaava")
    assert SUBJECT in text_of(listed)
    await say(liisa, "/lausunnot koululaisille", SUBJECT)
    await say(liisa, "/lausunnot banaani", "Hakusanalla banaani ei löytynyt lausuntoja.")
    async with harness.db() as session:
        statement = await session.scalar(select(Statement))
        assert statement is not None and statement.status is StatementStatus.SUBMITTED
        assert statement.approved_version == 3
        assert await session.scalar(select(func.count()).select_from(DissentingOpinion)) == 1
        # Submitted: no deadline reminders left, and closed votes remind nobody.
        assert list(await session.scalars(select(Reminder))) == []


def draft_docx(text: str) -> bytes:
    document = Document()
    for paragraph in text.split("\n\n"):
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


async def propose(user: Any, old: str, new: str) -> None:
    await open_card(user)
    await tap(user, "✏️ Muutosehdotus", "Kopioi tekstistä kohta")
    await say(user, old, "Kirjoita uusi teksti")
    await say(user, new, "Muutosehdotus on tallennettu.")


async def start_vote(chair: Any) -> None:
    await open_card(chair)
    await tap(chair, "🗳 Aloita äänestys", "Kuinka kauan äänestys on auki?")
    answer = await chair.press("1 päivä")
    assert answer["text"] == "Äänestys alkoi."


# ---- bad input: a plain answer, and nothing changes ------------------------------------------


async def drafting_statement(harness: Harness) -> tuple[Any, Any, Any]:
    """A coordinator, a drafter and a member, with a request made through the bot."""
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    drafter = await harness.person("Matti")
    member = await harness.person("Liisa")
    await new_request(harness, coordinator)
    await say(coordinator, "15.1.2030", "pöydän oma määräaika")
    await say(coordinator, "8.1.2030", "Lausuntopyyntö on tehty.")
    await harness.settle()
    return coordinator, drafter, member


async def statement_id(harness: Harness) -> int:
    async with harness.db() as session:
        found = await session.scalar(select(Statement.id))
        assert found is not None
        return found


async def test_empty_draft_and_bad_files_are_refused(harness: Harness) -> None:
    _, drafter, _ = await drafting_statement(harness)
    await open_card(drafter)
    await tap(drafter, "✍️ Lähetä luonnos", "Paina lopuksi Valmis.")
    before = await harness.snapshot()
    answer = await drafter.press("✅ Valmis")
    assert answer["text"] == "Luonnos on tyhjä. Kirjoita teksti tai lähetä tiedosto."
    for name, data, reply in [
        (
            "luonnos.docx",
            b"PK\x03\x04 broken",
            "En saanut tiedostoa auki. Tarkista tiedosto tai kirjoita teksti viestiin.",
        ),
        (
            "luonnos.txt",
            b"\xff\xfe\x00\xd8 latin",
            "En saanut tiedostoa auki. Tarkista tiedosto tai kirjoita teksti viestiin.",
        ),
        (
            "luonnos.pdf",
            b"%PDF-1.4",
            "En osaa lukea tätä tiedostoa. Lähetä .docx-, .md- tai "
            ".txt-tiedosto tai kirjoita teksti.",
        ),
        ("iso.txt", b"a" * 1_100_000, "Tiedosto on liian suuri. Suurin koko on 1 Mt."),
    ]:
        since = await last_id(drafter)
        await drafter.send_document(name, data)
        message = await fresh(drafter, reply[:20], since)
        assert text_of(message) == reply
    assert await harness.snapshot() == before
    # A command in the middle of drafting goes to its own feature, not into the draft.
    await say(drafter, "/muistutukset", "Muistutukset")
    answer = await drafter.press("✅ Valmis")
    assert answer["text"] == "Luonnos on tyhjä. Kirjoita teksti tai lähetä tiedosto."
    # Still drafting: a readable file is taken.
    since = await last_id(drafter)
    await drafter.send_document("luonnos.md", b"# Otsikko\n\nTeksti.")
    await fresh(drafter, "Tallennettu: versio 1.", since)


async def test_amendment_to_a_missing_passage_or_an_old_version(harness: Harness) -> None:
    _, drafter, member = await drafting_statement(harness)
    await open_card(drafter)
    await tap(drafter, "✍️ Lähetä luonnos", "Paina lopuksi Valmis.")
    await say(drafter, "Puisto säilyy.", "Sain tekstin.")
    await tap(drafter, "✅ Valmis", "Tallennettu: versio 1.")
    await open_card(member)
    await tap(member, "✏️ Muutosehdotus", "Kopioi tekstistä kohta")
    before = await harness.snapshot()
    reply = await say(member, "Tätä ei ole tekstissä.", "En löytänyt")
    assert text_of(reply) == (
        "En löytänyt tätä kohtaa tekstistä. Kopioi kohta tarkasti ja lähetä se uudelleen."
    )
    assert await harness.snapshot() == before
    # Meanwhile the drafter sends version 2; the member's passage now points at version 1.
    await open_card(drafter)
    await tap(drafter, "✍️ Lähetä luonnos", "Paina lopuksi Valmis.")
    await say(drafter, "Puisto säilyy aina.", "Sain tekstin.")
    await tap(drafter, "✅ Valmis", "Tallennettu: versio 2.")
    await eventually(
        harness, lambda s: s.scalar(select(func.count()).select_from(StatementVersion)), 2
    )
    before = await harness.snapshot()
    reply = await say(member, "Puisto säilyy", "Luonnoksesta on tullut uusi versio.")
    assert text_of(reply) == (
        "Luonnoksesta on tullut uusi versio. Ehdotuksesi koski vanhaa "
        "versiota. Tee ehdotus uuteen versioon."
    )
    assert await harness.snapshot() == before


async def test_forged_and_stale_buttons_change_nothing(harness: Harness) -> None:
    _, _, member = await drafting_statement(harness)
    outsider = await harness.person("Eero", Role.MEMBER, "etelainen")
    resident = await harness.person("Ritva", None)
    sid = await statement_id(harness)
    own = (await member.history())[-1]
    before = await harness.snapshot()
    for user, data in [
        (outsider, f"sa:{sid}:view"),
        (outsider, f"sa:{sid}:draft"),
        (resident, f"sa:{sid}:docx"),
        (member, "sa:99999:view"),
        (member, f"sd:{sid}:{1}"),
        (member, f"sa:{sid}:vote"),
        (outsider, f"ns:{1}"),
    ]:
        message = own if user is member else (await user.history())[-1]
        answer = await user.press_data(message, data)
        assert answer["text"] == "Sinulla ei ole oikeutta tähän.", (user, data)
    answer = await member.press_data(own, "zz:garbage")
    assert answer["text"] == "Tämä nappi ei ole enää käytössä. Paina /valikko."
    answer = await member.press_data(own, "ad:99999:ok")
    assert answer["text"] == "Sinulla ei ole oikeutta tähän."
    assert await harness.snapshot() == before


async def test_the_same_update_delivered_twice_counts_once(harness: Harness) -> None:
    _, drafter, _ = await drafting_statement(harness)
    await open_card(drafter)
    await tap(drafter, "✍️ Lähetä luonnos", "Paina lopuksi Valmis.")
    await say(drafter, "Vain kerran.", "Sain tekstin.")
    # Telegram delivers at least once: the same text arrives again with the same update id.
    replayed = await harness.emu.replay()
    assert replayed["message"]["text"] == "Vain kerran."
    # And a fresh copy fed straight to the dispatcher is also a repeat by its id.
    update = Update.model_validate(replayed, context={"bot": harness.app.bot})
    await harness.app.dispatcher.feed_update(harness.app.bot, update)
    await harness.settle()
    await tap(drafter, "✅ Valmis", "Tallennettu: versio 1.")
    await eventually(harness, lambda s: s.scalar(select(StatementVersion.text)), "Vain kerran.")


async def test_a_vote_delivered_twice_counts_once(harness: Harness) -> None:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    member = await harness.person("Liisa")
    async with harness.db() as session:
        table = await session.scalar(select(Table).where(Table.slug == "pohjoinen"))
        assert table is not None
        ballot = await open_ballot(
            session,
            table_id=table.id,
            kind=BallotKind.PROPOSAL,
            title="Esitys",
            now=harness.clock.now(),
            closes_at=harness.clock.now() + timedelta(days=1),
            created_by=None,
        )
        ballot_id = ballot.id
    own = (await member.history())[-1]
    answer = await member.press_data(own, f"v:{ballot_id}:disagree")
    assert answer["text"] == "Äänesi on tallennettu: Vastustan."
    answer = await member.press_data(own, f"v:{ballot_id}:agree")
    assert answer["text"] == "Äänesi on muutettu: Kannatan."
    await eventually(harness, lambda s: s.scalar(select(OpenVote.choice)), Choice.AGREE)
    # The ballot closes within a day, so its reminder is due at once: let it go out first.
    await eventually(harness, lambda s: s.scalar(select(Reminder.status)), ReminderStatus.SENT)
    await harness.settle()
    before = await harness.snapshot()
    # The earlier press (Vastustan) comes again: it must not undo the change.
    async with harness.db() as session:
        ids = list(
            await session.scalars(
                select(ProcessedUpdate.update_id).order_by(ProcessedUpdate.update_id.desc())
            )
        )
    replayed = await harness.emu.replay(ids[1])
    assert replayed["callback_query"]["data"] == f"v:{ballot_id}:disagree"
    await harness.settle(0.5)
    assert await harness.snapshot() == before
    assert coordinator is not None


async def test_chair_puts_an_amendment_to_a_vote(harness: Harness) -> None:
    coordinator, drafter, member = await drafting_statement(harness)
    chair = await harness.person("Pirjo", Role.CHAIR)
    await open_card(drafter)
    await tap(drafter, "✍️ Lähetä luonnos", "Paina lopuksi Valmis.")
    await say(drafter, "Puisto säilyy.", "Sain tekstin.")
    await tap(drafter, "✅ Valmis", "Tallennettu: versio 1.")
    await propose(member, "Puisto säilyy.", "Puisto säilyy ja kasvaa.")
    await harness.settle()
    proposal = await fresh(chair, "Puisto säilyy ja kasvaa.", 0)
    await tap(chair, "🗳 Äänestykseen", "Kuinka kauan äänestys on auki?", proposal)
    assert (await chair.press("1 päivä"))["text"] == "Äänestys alkoi."
    await harness.settle()
    # While the vote runs, nobody decides it alone.
    before = await harness.snapshot()
    answer = await chair.press("✅ Hyväksy", proposal)
    assert answer["text"] == "Tästä ehdotuksesta on jo päätetty."
    assert await harness.snapshot() == before
    for person in (drafter, member, chair):
        ballot = await fresh(person, "Äänestys päättyy", 0)
        assert "Tilalle: Puisto säilyy ja kasvaa." in text_of(ballot)
        assert (await person.press("Kannatan", ballot))["text"] == (
            "Äänesi on tallennettu: Kannatan."
        )
    harness.clock.advance(timedelta(days=1, minutes=1))
    await close_votes(harness)
    await fresh(member, "Tulos: Hyväksytty.", 0)
    async with harness.db() as session:
        amendment = await session.scalar(select(Amendment))
        assert amendment is not None and amendment.status is AmendmentStatus.ACCEPTED
        v2 = await session.scalar(select(StatementVersion).where(StatementVersion.number == 2))
        assert v2 is not None and v2.text == "Puisto säilyy ja kasvaa."
    assert coordinator is not None


async def test_table_rules_change_and_apply_to_new_votes(harness: Harness) -> None:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    member = await harness.person("Liisa")
    shown_rules = await say(coordinator, "/aanestyssaannot", "Äänestyssäännöt")
    assert "Päätösvaltaisuus: yli 50 % jäsenistä äänestää." in text_of(shown_rules)
    answer = await coordinator.press("Päätösvaltaisuus: yli 50 %", shown_rules)
    assert answer["text"] == "Säännöt on tallennettu."
    await coordinator.press("Esto: pysäyttää", shown_rules)
    edited = await shown(coordinator, "Estän-ääni lasketaan vastaääneksi.")
    assert "yli 33 %" in text_of(edited)
    listing = await say(member, "/aanestyssaannot", "Äänestyssäännöt")
    assert "yli 33 %" in text_of(listing) and not listing.get("reply_markup")
    before = await harness.snapshot()
    answer = await member.press_data(listing, "vs:1:q")
    assert answer["text"] == "Sinulla ei ole oikeutta tähän."
    assert await harness.snapshot() == before


async def test_a_hostile_docx_is_refused_while_others_are_answered(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """200,000 tiny paragraphs in 54 KiB: refused, and read off the event loop meanwhile."""
    _, drafter, member = await drafting_statement(harness)
    await open_card(drafter)
    await tap(drafter, "✍️ Lähetä luonnos", "Paina lopuksi Valmis.")
    # The reading waits until another person has been answered: were it on the event loop,
    # nobody could be answered and the wait would run out.
    reading, answered = threading.Event(), threading.Event()
    read = documents.read_draft_file

    def held_read(name: str, data: bytes) -> str:
        reading.set()
        assert answered.wait(10), "nobody was answered while the draft was read"
        return read(name, data)

    monkeypatch.setattr(documents, "read_draft_file", held_read)
    before = await harness.snapshot()
    since = await last_id(drafter)
    await drafter.send_document("luonnos.docx", hostile_docx())
    assert await asyncio.to_thread(reading.wait, 10)
    await open_card(member)
    answered.set()
    message = await fresh(drafter, "Tiedostossa on liikaa", since)
    assert text_of(message) == (
        "Tiedostossa on liikaa kappaleita tai sisältöä. Lähetä lyhyempi tiedosto "
        "tai kirjoita teksti viestiin."
    )
    await harness.idle()
    assert await harness.snapshot() == before


async def test_a_long_subject_and_control_characters_export_as_docx(harness: Harness) -> None:
    coordinator, _, _ = await drafting_statement(harness)
    sid = await statement_id(harness)
    subject = "Kaava " * 49 + "alue."  # 299 characters: a subject may have 300
    async with harness.db() as session:
        statement = await session.get(Statement, sid)
        assert statement is not None
        statement.subject = subject
        statement.status = StatementStatus.APPROVED
        statement.approved_version = 1
        statement.approved_at = harness.clock.now()
        # A vertical tab and a form feed, pasted from another program (PostgreSQL keeps no NUL).
        session.add(
            StatementVersion(
                statement_id=sid,
                number=1,
                text="Teksti\x0b ja\x0c loppu.",
                created_at=harness.clock.now(),
                source="text",
            )
        )
    since = await last_id(coordinator)
    answer = await coordinator.press_data((await coordinator.history())[-1], f"sa:{sid}:docx")
    assert answer.get("text") is None, answer
    sent = await fresh(coordinator, "Lausunto: Kaava", since)
    assert sent["document"]["file_name"] == f"lausunto-{sid}.docx"
    document = Document(io.BytesIO(await harness.emu.download(sent["document"]["file_id"])))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "Lausunto: " + subject
    assert "Teksti ja loppu." in texts


async def test_a_maximal_emoji_background_reaches_members_and_the_group(
    harness: Harness,
) -> None:
    """The longest background Telegram lets a person type (4,096 units, all emoji) goes out in
    parts to every member and to the group; no row fails."""
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    member = await harness.person("Liisa")
    group = await harness.emu.create_group(
        "Pohjoisen pöytä", members=[coordinator], supergroup=True
    )
    await group.add_bot(by=coordinator, admin=True)
    await group.expect_message(containing="Hei!")
    await coordinator.send("/liita", chat=group)
    await group.expect_message(containing="Minkä pöydän ryhmä tämä on?")
    await coordinator.press("Pohjoinen kumppanuuspöytä", chat=group)
    await shown(coordinator, "Valmis!", chat=group)
    await say(coordinator, "/valikko", "Mitä haluat tehdä?")
    await tap(coordinator, "📝 Lausunnot", "Lausunnot, joita tehdään nyt.")
    await tap(
        coordinator, "➕ Uusi lausuntopyyntö: Pohjoinen kumppanuuspöytä", "Kirjoita asia lyhyesti."
    )
    await say(coordinator, "🌷" * 150, "Kuka pyytää lausuntoa?")  # 300 characters
    await say(coordinator, "Kaupunki", "Kirjoita diaarinumero.")
    await say(coordinator, "-", "Kirjoita tausta")
    await say(coordinator, "🌷" * 2048, "Mihin mennessä kaupunki haluaa lausunnon?")
    await say(coordinator, "15.1.2030", "pöydän oma määräaika")
    await say(coordinator, "8.1.2030", "Lausuntopyyntö on tehty.")
    await harness.settle()
    for chat, user in [(None, member), (group, coordinator)]:
        flowers = sum(text_of(m).count("🌷") for m in await user.history(chat))
        assert flowers >= 2048 + 150, (chat, flowers)
    async with harness.db() as session:
        statuses = Counter((await session.scalars(select(OutboxMessage.status))).all())
    assert set(statuses) == {Delivery.SENT}, statuses
