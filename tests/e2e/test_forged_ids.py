"""Forged button data with ids no row can have: every press is answered, nothing changes.

Callback data is text the client writes. An id past 64 bits used to reach the database driver
and fail there (OverflowError), leaving the press unanswered.
"""

from __future__ import annotations

from emulator.client import text_of
from storage.roles import Role
from tests.e2e.conftest import Harness

STALE = "Tämä nappi ei ole enää käytössä. Paina /valikko."
HUGE = (2**63, 2**64 + 7, 10**30)
# One press per kind of button that carries an id, with the id replaced.
FORGED = (
    "v:{id}:agree",
    "vr:{id}",
    "sb:{id}",
    "sa:{id}:view",
    "ad:{id}:ok",
    "df:{id}:1:2",
    "mo:{id}",
    "mv:{id}:1:yes",
    "mr:{id}:coming",
    "ma:{id}:publish:0",
    "mi:{id}:accept",
    "ak:{id}",
    "al:{id}",
    "ir:{id}:member",
    "it:{id}",
    "nb:{id}:proposal",
)


async def test_ids_past_64_bits_are_stale_buttons_and_change_nothing(harness: Harness) -> None:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    await coordinator.send("/valikko")
    menu = await coordinator.expect_message()
    assert "Mitä haluat tehdä?" in text_of(menu)
    before = await harness.snapshot()
    answers = []
    for pattern in FORGED:
        for huge in HUGE:
            answer = await coordinator.press_data(menu, pattern.format(id=huge))
            answers.append((pattern, answer["text"], answer["show_alert"]))
    assert [a for a in answers if a[1:] != (STALE, True)] == []
    assert await harness.snapshot() == before
