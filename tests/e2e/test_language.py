"""A person's language: taken from Telegram, changed with buttons, kept in the database."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from emulator.client import buttons, text_of
from storage.people import Person
from storage.roles import Role
from tests.e2e.conftest import Harness, shown


async def test_language_follows_telegram_until_chosen(harness: Harness) -> None:
    swede = await harness.user("Sven", language="sv-FI")
    await swede.send("/start")
    assert "Hej Sven!" in text_of(await swede.expect_message())
    english = await harness.user("Emma", language="en")
    await english.send("/start")
    assert "Hello Emma!" in text_of(await english.expect_message())
    other = await harness.user("Jean", language="fr")
    await other.send("/start")
    assert "Hei Jean!" in text_of(await other.expect_message())


async def test_switching_language_with_buttons(harness: Harness) -> None:
    member = await harness.person("Matti", Role.MEMBER)
    await member.send("/kieli")
    await member.expect_message(containing="Valitse kieli.")
    await member.press("Svenska")
    await shown(member, "Språket har ändrats: svenska.")
    assert "Vad vill du göra?" in text_of(await member.expect_message())
    async with harness.db() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == member.id))
        assert person is not None and person.language == "sv"

    await member.send("/members")
    roster = text_of(await member.expect_message())
    assert "Norra partnerskapsbordet" in roster
    assert "Matti – medlem" in roster

    await member.send("/language")
    await member.expect_message(containing="Välj språk.")
    await member.press("English")
    await shown(member, "Language changed: English.")
    await member.expect_message()
    await member.send("/me")
    me = text_of(await member.expect_message())
    assert "Language: English" in me and "North partnership table: member" in me


# Finnish words of the basics' texts that a Swedish or English reader must not see.
FINNISH = ("Nimi:", "Kieli:", "jäsen", "kumppanuuspöytä", "Paina", "valikko", "Valitse", "Ohje")


@pytest.mark.parametrize("language", ["sv", "en"])
async def test_the_basics_speak_the_readers_language(harness: Harness, language: str) -> None:
    member = await harness.person("Matti", Role.MEMBER, language=language)
    await harness.person("Pirjo", Role.CHAIR)
    seen = []
    for command in ("/start", "/help", "/members", "/me", "/language", "/menu"):
        await member.send(command)
        seen.append(await member.expect_message())
    menu = seen[-1]
    labels = [label for row in buttons(menu) for label in row]
    for emoji in ("👥", "🙂", "❓", "🌐"):  # members, me, help, language: from the menu
        await member.press(next(label for label in labels if label.startswith(emoji)), menu)
        seen.append(await member.expect_message())
    texts = [text_of(m) for m in seen] + [b for m in seen for row in buttons(m) for b in row]
    leaks = [(word, t) for t in texts for word in FINNISH if word in t]
    assert leaks == []
    table = "Norra partnerskapsbordet" if language == "sv" else "North partnership table"
    assert table in text_of(seen[2])
