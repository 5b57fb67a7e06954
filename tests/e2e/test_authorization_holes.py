"""Holes the authorisation matrix found, each with the exact answer and nothing stored."""

from __future__ import annotations

from emulator.client import text_of
from tests.e2e.conftest import Harness

NOT_YOURS = "Tämä toiminto ei ole sinun käytössäsi. Paina /valikko, niin näet omat toimintosi."
STALE = "Tämä nappi ei ole enää käytössä. Paina /valikko."


async def test_email_settings_are_for_the_tables_people(harness: Harness) -> None:
    # A resident used to be able to store an e-mail address the bot never uses.
    resident = await harness.person("Riitta", None)
    greeting = await resident.history()
    before = await harness.snapshot()
    await resident.send("/sahkoposti")
    assert text_of(await resident.expect_message()) == NOT_YOURS
    for data in ("ep:address", "ep:both", "ep:email", "ep:telegram"):
        answer = await resident.press_data(greeting[-1], data)
        assert (answer["text"], answer["show_alert"]) == (STALE, True)
    await resident.send("riitta@example.fi")
    assert text_of(await resident.expect_message()) == (
        "En ymmärtänyt. Paina /valikko, niin näet kaikki toiminnot."
    )
    await harness.idle()
    assert await harness.snapshot() == before
