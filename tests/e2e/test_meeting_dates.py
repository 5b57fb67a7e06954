"""Dates at the ends of the calendar in an organiser's form: a plain answer, nothing changed."""

from __future__ import annotations

from storage.roles import Role
from tests.e2e.conftest import Harness

TOO_FAR = "Päivä on liian kaukana. Valitse päivä, joka on enintään 5 vuoden päästä."
PAST = "Päivä on jo mennyt. Valitse tuleva päivä."


async def test_year_1_and_year_9999_are_refused_in_the_poll_form(harness: Harness) -> None:
    organiser = await harness.person("Kaija", Role.COORDINATOR)
    await organiser.send("/kokoukset")
    await organiser.expect_message(containing="Kokouksia ei ole vielä.")
    await organiser.press("➕ Uusi kokousaikakysely")
    await organiser.expect_message(containing="Kirjoita kokouksen nimi.")
    await organiser.send("Kevään kokous")
    await organiser.expect_message(containing="Millainen kokous on?")
    await organiser.press("Kokous")
    await organiser.expect_message(containing="Missä kokous on?")
    await organiser.send("Kirjasto")
    await organiser.expect_message(containing="Lisää 2–20 aikavaihtoehtoa.")
    before = await harness.snapshot()
    for typed, answer in [
        ("31.12.9999 23-24", TOO_FAR),
        ("1.1.9999 17", TOO_FAR),
        ("1.1.0001 00.00", PAST),
        ("14.1. 17-19\n31.12.9999 17-19", TOO_FAR),
    ]:
        await organiser.send(typed)
        reply = await organiser.expect_message(containing=answer[:20])
        assert reply["text"] == answer, typed
    assert await harness.snapshot() == before
    # The form goes on: good times are still taken, and so is a deadline at the limit's edge.
    await organiser.send("14.1. 17-19\n15.1. 17-19")
    await organiser.expect_message(containing="Ajat nyt:")
    await organiser.press("Valmis")
    await organiser.expect_message(containing="Milloin vastausaika päättyy?")
    await organiser.send("31.12.9999 23.00")
    reply = await organiser.expect_message(containing=TOO_FAR[:20])
    assert reply["text"] == TOO_FAR
    assert await harness.snapshot() == before


async def test_an_emoji_title_is_counted_as_telegram_counts_it(harness: Harness) -> None:
    """120 characters at most; an emoji is two of Telegram's (UTF-16) units."""
    organiser = await harness.person("Kaija", Role.COORDINATOR)
    await organiser.send("/kokoukset")
    await organiser.expect_message(containing="Kokouksia ei ole vielä.")
    await organiser.press("➕ Uusi kokousaikakysely")
    await organiser.expect_message(containing="Kirjoita kokouksen nimi.")
    before = await harness.snapshot()
    await organiser.send("🌷" * 61)
    reply = await organiser.expect_message(containing="Teksti on liian pitkä.")
    assert reply["text"] == "Teksti on liian pitkä. Kirjoita enintään 120 merkkiä."
    assert await harness.snapshot() == before
    await organiser.send("🌷" * 60)
    await organiser.expect_message(containing="Millainen kokous on?")
