"""Two people acting on one meeting at the same moment: the database decides, once.

Each round seeds a fresh meeting, then two organisers (or both minute checkers) press at once
through the emulator. On PostgreSQL the presses run in parallel transactions; before the
meeting was held for the act, both confirmations and both cancellations succeeded and the
minutes stayed unpublished for good when both checkers approved together.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from storage.audit import AuditEntry
from storage.meeting_rules import MeetingKind, Slot
from storage.meetings import (
    Meeting,
    MeetingSlot,
    MeetingStatus,
    MinutesStatus,
    close_poll_now,
    confirm_slot,
    create_poll,
    submit_minutes,
)
from storage.outbox import OutboxMessage
from storage.people import Person, Table
from storage.roles import Role
from tests.e2e.conftest import Harness

FAILED = "Jokin meni vikaan"

# The count; each round is a fresh meeting and two presses at once.
ROUNDS = 20


async def people(harness: Harness) -> tuple[Any, Any, dict[str, int]]:
    kaija = await harness.person("Kaija", Role.COORDINATOR)
    pirjo = await harness.person("Pirjo", Role.CHAIR)
    async with harness.db() as session:
        ids = {
            p.first_name: p.id
            for p in await session.scalars(select(Person).where(Person.telegram_id.is_not(None)))
        }
    return kaija, pirjo, ids


async def closed_poll(harness: Harness, ids: dict[str, int], round_: int) -> tuple[int, list[int]]:
    now = harness.clock.now()
    start = now + timedelta(days=30 + round_)
    async with harness.db() as session:
        table = await session.scalar(select(Table).where(Table.slug == "pohjoinen"))
        assert table is not None
        meeting = await create_poll(
            session,
            table_id=table.id,
            kind=MeetingKind.REGULAR,
            title=f"Kokous {round_}",
            place="Kirjasto",
            slots=[
                Slot(start, start + timedelta(hours=2)),
                Slot(start + timedelta(days=1), start + timedelta(days=1, hours=2)),
            ],
            deadline=now + timedelta(days=7),
            invitees=list(ids.values()),
            created_by=ids["Kaija"],
            now=now,
        )
        assert await close_poll_now(session, meeting, now)
        slots = list(
            await session.scalars(
                select(MeetingSlot.id)
                .where(MeetingSlot.meeting_id == meeting.id)
                .order_by(MeetingSlot.starts_at)
            )
        )
        return meeting.id, slots


async def confirmed_meeting(harness: Harness, ids: dict[str, int], round_: int) -> int:
    """A meeting whose poll closed on its first time, confirmed by Kaija."""
    meeting_id, (first, _) = await closed_poll(harness, ids, round_)
    async with harness.db() as session:
        meeting = await session.get(Meeting, meeting_id)
        slot = await session.get(MeetingSlot, first)
        assert meeting is not None and slot is not None
        assert await confirm_slot(session, meeting, slot, ids["Kaija"], harness.clock.now())
    return meeting_id


async def audited(harness: Harness, action: str, meeting_id: int) -> int:
    async with harness.db() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == action, AuditEntry.subject == f"meeting:{meeting_id}")
            )
            or 0
        )


async def menu_of(user: Any) -> Any:
    await user.send("/valikko")
    return await user.expect_message(containing="Mitä haluat tehdä?")


async def test_two_organisers_confirming_different_times_at_once_confirm_one(
    harness: Harness,
) -> None:
    kaija, pirjo, ids = await people(harness)
    kaija_menu, pirjo_menu = await menu_of(kaija), await menu_of(pirjo)
    wrong = []
    for round_ in range(ROUNDS):
        meeting_id, (first, second) = await closed_poll(harness, ids, round_)
        await asyncio.gather(
            kaija.press_data(kaija_menu, f"ma:{meeting_id}:confirm:{first}"),
            pirjo.press_data(pirjo_menu, f"ma:{meeting_id}:confirm:{second}"),
        )
        async with harness.db() as session:
            meeting = await session.get(Meeting, meeting_id)
            chosen = {
                s.id: s.starts_at
                for s in await session.scalars(
                    select(MeetingSlot).where(MeetingSlot.meeting_id == meeting_id)
                )
            }
        assert meeting is not None
        confirmations = await audited(harness, "meeting.confirm", meeting_id)
        if confirmations != 1 or meeting.starts_at not in chosen.values():
            wrong.append((round_, confirmations, meeting.starts_at))
    print(f"\n{ROUNDS} rounds of two confirmations at once, {len(wrong)} wrong")
    assert wrong == []


async def test_two_cancellations_at_once_cancel_once(harness: Harness) -> None:
    kaija, pirjo, ids = await people(harness)
    kaija_menu, pirjo_menu = await menu_of(kaija), await menu_of(pirjo)
    wrong = []
    for round_ in range(ROUNDS):
        meeting_id = await confirmed_meeting(harness, ids, round_)
        await asyncio.gather(
            kaija.press_data(kaija_menu, f"ma:{meeting_id}:cancel_yes:0"),
            pirjo.press_data(pirjo_menu, f"ma:{meeting_id}:cancel_yes:0"),
        )
        async with harness.db() as session:
            status = await session.scalar(select(Meeting.status).where(Meeting.id == meeting_id))
        cancellations = await audited(harness, "meeting.cancel", meeting_id)
        if cancellations != 1 or status is not MeetingStatus.CANCELLED:
            wrong.append((round_, cancellations, status))
    print(f"\n{ROUNDS} rounds of two cancellations at once, {len(wrong)} wrong")
    assert wrong == []


async def test_both_checkers_approving_at_once_publish_the_minutes(harness: Harness) -> None:
    _, pirjo, ids = await people(harness)
    matti = await harness.person("Matti", Role.MEMBER)
    async with harness.db() as session:
        ids["Matti"] = int(
            await session.scalar(select(Person.id).where(Person.first_name == "Matti")) or 0
        )
    pirjo_menu, matti_menu = await menu_of(pirjo), await menu_of(matti)
    wrong = []
    for round_ in range(ROUNDS):
        meeting_id, (first, _) = await closed_poll(harness, ids, round_)
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
        await asyncio.gather(
            pirjo.press_data(pirjo_menu, f"ma:{meeting_id}:approve:0"),
            matti.press_data(matti_menu, f"ma:{meeting_id}:approve:0"),
        )
        async with harness.db() as session:
            status = await session.scalar(
                select(Meeting.minutes_status).where(Meeting.id == meeting_id)
            )
        if status is not MinutesStatus.PUBLISHED:
            wrong.append((round_, status))
    print(f"\n{ROUNDS} rounds of both checkers approving at once, {len(wrong)} wrong")
    assert wrong == []


async def test_publishing_an_agenda_twice_at_once_sends_it_once(harness: Harness) -> None:
    kaija, pirjo, ids = await people(harness)
    kaija_menu, pirjo_menu = await menu_of(kaija), await menu_of(pirjo)
    wrong = []
    for round_ in range(ROUNDS):
        meeting_id = await confirmed_meeting(harness, ids, round_)
        answers = await asyncio.gather(
            kaija.press_data(kaija_menu, f"ma:{meeting_id}:publish:0"),
            pirjo.press_data(pirjo_menu, f"ma:{meeting_id}:publish:0"),
        )
        await harness.idle()
        async with harness.db() as session:
            posted = await session.scalar(
                select(Meeting.agenda_posted_at).where(Meeting.id == meeting_id)
            )
            # Once means one text and one document per reader, not two of either.
            per_chat = list(
                await session.scalars(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.batch.like(f"meeting:{meeting_id}:agenda:%"))
                    .group_by(OutboxMessage.chat_id, OutboxMessage.kind)
                )
            )
        texts = [a.get("text") or "" for a in answers]
        texts += [m.get("text", "") for u in (kaija, pirjo) for m in (await u.history())[-2:]]
        published = sorted(t for t in texts if "Esityslista on" in t)
        if (
            posted is None
            or not per_chat
            or set(per_chat) != {1}
            or any(FAILED in t for t in texts)
            or published[:2]
            != [
                "Esityslista on jo julkaistu, eikä siihen ole tullut muutoksia.",
                "Esityslista on lähetetty.",
            ]
        ):
            wrong.append((round_, per_chat, texts))
    print(f"\n{ROUNDS} rounds of publishing one agenda twice at once, {len(wrong)} wrong")
    assert wrong == []


async def test_many_poll_answers_at_once_count_every_answer(harness: Harness) -> None:
    """Every saved answer moves the poll's results on by one: none is lost to a race."""
    _, _, ids = await people(harness)
    voters = [await harness.person(f"Jäsen {n}", Role.MEMBER) for n in range(30)]
    async with harness.db() as session:
        ids = {
            p.first_name: p.id
            for p in await session.scalars(select(Person).where(Person.telegram_id.is_not(None)))
        }
        table = await session.scalar(select(Table).where(Table.slug == "pohjoinen"))
        assert table is not None
        now = harness.clock.now()
        start = now + timedelta(days=30)
        meeting = await create_poll(
            session,
            table_id=table.id,
            kind=MeetingKind.REGULAR,
            title="Kokous",
            place="Kirjasto",
            slots=[Slot(start, start + timedelta(hours=2))],
            deadline=now + timedelta(days=7),
            invitees=list(ids.values()),
            created_by=ids["Kaija"],
            now=now,
        )
        meeting_id = meeting.id
        slot_id = await session.scalar(
            select(MeetingSlot.id).where(MeetingSlot.meeting_id == meeting_id)
        )
    menus = [await menu_of(voter) for voter in voters]
    # Each voter answers "sopii" then "ei sovi": 60 saved answers, all at once.
    presses = [
        voter.press_data(menu, f"mv:{meeting_id}:{slot_id}:{answer}")
        for voter, menu in zip(voters, menus, strict=True)
        for answer in ("yes", "no")
    ]
    await asyncio.gather(*presses)
    await harness.idle()
    async with harness.db() as session:
        version = await session.scalar(
            select(Meeting.results_version).where(Meeting.id == meeting_id)
        )
    print(f"\n{len(presses)} poll answers at once: results version {version}")
    assert version == len(presses)
