"""Lists that grow are shown a page at a time: Telegram refuses more than 100 buttons."""

from __future__ import annotations

from datetime import timedelta

from emulator.client import buttons, text_of
from storage.meeting_rules import MeetingKind
from storage.meetings import Meeting, MeetingStatus
from storage.roles import Role
from storage.statements import Statement
from tests.e2e.conftest import Harness, shown

LIST_TEXT = (
    "Lausunnot, joita tehdään nyt. Valitse yksi.\nValmiit lausunnot näet komennolla /lausunnot."
)


async def open_statements(harness: Harness, count: int) -> None:
    table = await harness.table()
    now = harness.clock.now()
    async with harness.db() as session:
        session.add_all(
            Statement(
                table_id=table.id,
                subject=f"Asia {number:03d}",
                requester="Kaupunki",
                city_due_at=now + timedelta(days=30),
                internal_due_at=now + timedelta(days=20, minutes=number),
                created_at=now,
            )
            for number in range(1, count + 1)
        )


async def test_101_open_statements_are_shown_ten_at_a_time(harness: Harness) -> None:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    await open_statements(harness, 101)
    await coordinator.send("/luonnokset")
    first = await shown(coordinator, "Sivu 1/11.")
    assert text_of(first) == LIST_TEXT + "\nSivu 1/11."
    rows = buttons(first)
    assert rows[:10] == [[f"Asia {n:03d} (20 pv)"] for n in range(1, 11)]
    assert rows[10:] == [["Seuraava ▶️"], ["➕ Uusi lausuntopyyntö: Pohjoinen kumppanuuspöytä"]]

    before = await harness.snapshot()
    answer = await coordinator.press("Seuraava ▶️", first)
    assert answer.get("text") is None
    second = await shown(coordinator, "Sivu 2/11.")
    assert second["message_id"] == first["message_id"]  # the same message, edited
    assert buttons(second)[0] == ["Asia 011 (20 pv)"]
    assert buttons(second)[10] == ["◀️ Edellinen", "Seuraava ▶️"]

    # A forged page past the end shows the last one; browsing changes nothing.
    await coordinator.press_data(second, "dl:999999")
    last = await shown(coordinator, "Sivu 11/11.")
    assert buttons(last)[:2] == [["Asia 101 (20 pv)"], ["◀️ Edellinen"]]
    answer = await coordinator.press_data(last, "dl:-1")
    assert answer["text"] == "Tämä nappi ei ole enää käytössä. Paina /valikko."
    assert await harness.snapshot() == before

    # A statement on a later page opens like any other.
    await coordinator.press("Asia 101 (20 pv)", last)
    await shown(coordinator, "Tila:")


async def test_a_short_list_has_no_page_buttons(harness: Harness) -> None:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    await open_statements(harness, 3)
    await coordinator.send("/luonnokset")
    listing = await shown(coordinator, "Lausunnot, joita tehdään nyt.")
    assert text_of(listing) == LIST_TEXT
    assert buttons(listing) == [
        ["Asia 001 (20 pv)"],
        ["Asia 002 (20 pv)"],
        ["Asia 003 (20 pv)"],
        ["➕ Uusi lausuntopyyntö: Pohjoinen kumppanuuspöytä"],
    ]


async def test_every_meeting_is_reachable_a_page_at_a_time(harness: Harness) -> None:
    """Before, the list stopped at 15 meetings and older ones could not be opened at all."""
    member = await harness.person("Matti")
    table = await harness.table()
    now = harness.clock.now()
    async with harness.db() as session:
        session.add_all(
            Meeting(
                table_id=table.id,
                kind=MeetingKind.REGULAR,
                title=f"Kokous {number:02d}",
                status=MeetingStatus.POLLING,
                created_at=now - timedelta(minutes=number),
            )
            for number in range(1, 24)
        )
    await member.send("/kokoukset")
    first = await shown(member, "Sivu 1/3.")
    assert text_of(first) == (
        "Kokoukset: tulevat ensin, sitten menneet.\nValitse kokous.\nSivu 1/3."
    )
    assert len(buttons(first)) == 11 and buttons(first)[-1] == ["Seuraava ▶️"]
    before = await harness.snapshot()
    await member.press("Seuraava ▶️", first)
    await shown(member, "Sivu 2/3.")
    await member.press("Seuraava ▶️", first)
    last = await shown(member, "Sivu 3/3.")
    titles = [row[0] for page in (first, last) for row in buttons(page) if "Kokous" in row[0]]
    assert len(buttons(last)) == 4 and buttons(last)[-1] == ["◀️ Edellinen"]
    assert len(titles) == 13
    assert await harness.snapshot() == before
