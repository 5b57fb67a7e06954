"""A minute checker whose term has ended can no longer approve (or publish) the minutes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from storage.meetings import Meeting, MeetingSlot, confirm_slot, submit_minutes
from storage.people import Membership, Person
from storage.roles import Role
from tests.e2e.conftest import Harness
from tests.e2e.test_meeting_races import closed_poll, menu_of, people

NOT_YOURS = "Tämä kokous ei koske sinua. Vain pöydän jäsenet voivat vastata."


async def test_a_checker_whose_term_ended_cannot_approve_and_nothing_changes(
    harness: Harness,
) -> None:
    _, pirjo, ids = await people(harness)
    matti = await harness.person("Matti", Role.MEMBER)
    async with harness.db() as session:
        ids["Matti"] = int(
            await session.scalar(select(Person.id).where(Person.first_name == "Matti")) or 0
        )
    matti_menu = await menu_of(matti)
    meeting_id, (first, _) = await closed_poll(harness, ids, 0)
    async with harness.db() as session:
        meeting = await session.get(Meeting, meeting_id)
        slot = await session.get(MeetingSlot, first)
        assert meeting is not None and slot is not None
        now = harness.clock.now()
        assert await confirm_slot(session, meeting, slot, ids["Kaija"], now)
        await submit_minutes(
            session,
            meeting,
            text="Päätettiin asioista.",
            file_id=None,
            checker_ids=[ids["Pirjo"], ids["Matti"]],
            actor_id=ids["Kaija"],
            now=now,
        )
        yesterday = now.astimezone(harness.app.settings.zone).date() - timedelta(days=1)
        await session.execute(
            update(Membership)
            .where(Membership.person_id == ids["Matti"])
            .values(ends_on=yesterday)
        )
    before = await harness.snapshot()
    answer = await matti.press_data(matti_menu, f"ma:{meeting_id}:approve:0")
    assert (answer["text"], answer["show_alert"]) == (NOT_YOURS, True)
    assert await harness.snapshot() == before
    # A checker still seated approves as before.
    pirjo_menu = await menu_of(pirjo)
    answer = await pirjo.press_data(pirjo_menu, f"ma:{meeting_id}:approve:0")
    assert (
        answer["text"]
        == "Kiitos! Muistio julkaistaan, kun toinenkin tarkastaja on hyväksynyt sen."
    )
