"""A meeting from "when can everyone come?" to "minutes published": models and services."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.audit import record
from storage.base import Base, UtcDateTime, text_enum
from storage.claims import claim
from storage.meeting_rules import (
    Answer,
    MeetingKind,
    Rsvp,
    Slot,
    minutes_approved,
    rank_slots,
)
from storage.people import Membership, Person, table_roster
from storage.reminders import (
    Audience,
    ReminderKind,
    Target,
    register_pending_resolver,
    schedule,
)
from storage.reminders import cancel as cancel_reminders
from storage.roles import CHAIR_ROLES, Role

# Minute checkers are asked to check within a week; a day before that they get a reminder.
MINUTES_CHECK_TIME = timedelta(days=7)
MINUTES_PENDING = "meeting_minutes"


class MeetingStatus(enum.StrEnum):
    POLLING = "polling"  # the time poll is open
    CLOSED = "closed"  # answers closed; the organiser confirms a time
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class ItemStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class MinutesStatus(enum.StrEnum):
    NONE = "none"
    CHECKING = "checking"  # waiting for the minute checkers
    PUBLISHED = "published"


class Meeting(Base):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None for the joint meeting of the chairs of all tables.
    table_id: Mapped[int | None] = mapped_column(ForeignKey("tables.id", ondelete="CASCADE"))
    kind: Mapped[MeetingKind] = mapped_column(text_enum(MeetingKind, 12))
    title: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(400), default="")
    status: Mapped[MeetingStatus] = mapped_column(text_enum(MeetingStatus, 12))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    poll_deadline_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    suggested_slot_id: Mapped[int | None] = mapped_column(Integer)
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Bumped on every move or cancellation so calendars replace the old invitation.
    ics_sequence: Mapped[int] = mapped_column(Integer, default=0)
    agenda_cutoff_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    agenda_posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    agenda_changed: Mapped[bool] = mapped_column(Boolean, default=False)
    agenda_version: Mapped[int] = mapped_column(Integer, default=0)
    # Raised whenever the poll's results change; results messages catch up (see scheduler).
    results_version: Mapped[int] = mapped_column(Integer, default=0)
    minutes_status: Mapped[MinutesStatus] = mapped_column(
        text_enum(MinutesStatus, 12), default=MinutesStatus.NONE
    )
    minutes_text: Mapped[str | None] = mapped_column(Text)
    minutes_file_id: Mapped[int | None] = mapped_column(
        ForeignKey("stored_files.id", ondelete="SET NULL")
    )
    minutes_published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class MeetingSlot(Base):
    __tablename__ = "meeting_slots"
    __table_args__ = (UniqueConstraint("meeting_id", "starts_at", "ends_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SlotVote(Base):
    """One person's answer for one candidate time; changing it is an upsert."""

    __tablename__ = "meeting_votes"
    __table_args__ = (UniqueConstraint("slot_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("meeting_slots.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    answer: Mapped[Answer] = mapped_column(text_enum(Answer, 8))
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Participant(Base):
    """Who is invited (the roster when the poll was made), their RSVP, attendance, checking."""

    __tablename__ = "meeting_participants"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    rsvp: Mapped[Rsvp | None] = mapped_column(text_enum(Rsvp, 12))
    attended: Mapped[bool] = mapped_column(Boolean, default=False)
    is_checker: Mapped[bool] = mapped_column(Boolean, default=False)
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class MeetingPost(Base):
    """A message about the meeting that is later edited in place (the poll results)."""

    __tablename__ = "meeting_posts"
    __table_args__ = (UniqueConstraint("meeting_id", "purpose", "chat_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    language: Mapped[str] = mapped_column(String(5))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    last_edited_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    edited_version: Mapped[int] = mapped_column(Integer, default=0)


class AgendaItem(Base):
    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id", ondelete="SET NULL"))
    status: Mapped[ItemStatus] = mapped_column(text_enum(ItemStatus, 10))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


# ---- who is asked --------------------------------------------------------------------------


async def invitee_ids(session: AsyncSession, table_id: int | None, day: date) -> list[int]:
    """A table's seated members and its coordinators; for a joint meeting, the four chairs."""
    if table_id is not None:
        return [person.id for person, _ in await table_roster(session, table_id, day)]
    rows = await session.scalars(select(Membership).where(Membership.role.in_(CHAIR_ROLES)))
    people = [m.person_id for m in rows if m.is_current(day) and m.role is Role.CHAIR]
    return list(dict.fromkeys(people))


async def meeting_to_act_on(session: AsyncSession, meeting_id: int) -> Meeting | None:
    """The meeting as it is now, held until the transaction ends.

    Every act on a meeting (answer, confirm, move, cancel, agenda, minutes) loads it here, so
    two people acting on one meeting at once take turns and the second sees what the first
    did: FOR UPDATE on PostgreSQL; SQLite's writers already take turns (BEGIN IMMEDIATE).
    """
    return await session.get(Meeting, meeting_id, with_for_update=True, populate_existing=True)


async def participants(session: AsyncSession, meeting_id: int) -> list[tuple[Participant, Person]]:
    rows = await session.execute(
        select(Participant, Person)
        .join(Person, Person.id == Participant.person_id)
        .where(Participant.meeting_id == meeting_id)
        .order_by(Person.first_name, Person.id)
    )
    return [(row, person) for row, person in rows]


async def participant(
    session: AsyncSession, meeting_id: int, person_id: int | None
) -> Participant | None:
    if person_id is None:
        return None
    return await session.scalar(
        select(Participant).where(
            Participant.meeting_id == meeting_id, Participant.person_id == person_id
        )
    )


# ---- reminders (issue 7's engine) ------------------------------------------------------------


def meeting_target(meeting_id: int) -> Target:
    """The meeting itself, its agenda cut-off and its minutes: one target, three kinds."""
    return Target("meeting", meeting_id)


def poll_target(meeting_id: int) -> Target:
    return Target("meeting_poll", meeting_id)


async def _reminder_audience(
    session: AsyncSession, meeting: Meeting
) -> tuple[Audience, list[int]]:
    """A table's members and coordinators; for the chairs' joint meeting, the invited chairs."""
    if meeting.table_id is not None:
        return Audience.TABLE, []
    invited = await session.scalars(
        select(Participant.person_id).where(Participant.meeting_id == meeting.id)
    )
    return Audience.NAMED, list(invited)


async def _schedule_meeting(
    session: AsyncSession, meeting: Meeting, kind: ReminderKind, anchor: datetime, now: datetime
) -> None:
    audience, person_ids = await _reminder_audience(session, meeting)
    target = (
        poll_target(meeting.id)
        if kind is ReminderKind.MEETING_POLL
        else meeting_target(meeting.id)
    )
    await schedule(
        session,
        target=target,
        table_id=meeting.table_id,
        kind=kind,
        anchor=anchor,
        title=meeting.title,
        now=now,
        audience=audience,
        person_ids=person_ids,
    )


async def not_answered_poll(session: AsyncSession, meeting_id: int) -> set[int]:
    """Invited people who have not answered any time of a still open poll."""
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or meeting.status is not MeetingStatus.POLLING:
        return set()
    invited = set(
        await session.scalars(
            select(Participant.person_id).where(Participant.meeting_id == meeting_id)
        )
    )
    answered = set(
        await session.scalars(
            select(SlotVote.person_id)
            .join(MeetingSlot, MeetingSlot.id == SlotVote.slot_id)
            .where(MeetingSlot.meeting_id == meeting_id)
        )
    )
    return invited - answered


async def not_approved_minutes(session: AsyncSession, meeting_id: int) -> set[int]:
    """Minute checkers who have not approved minutes still waiting for them."""
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or meeting.minutes_status is not MinutesStatus.CHECKING:
        return set()
    return set(
        await session.scalars(
            select(Participant.person_id).where(
                Participant.meeting_id == meeting_id,
                Participant.is_checker.is_(True),
                Participant.approved_at.is_(None),
            )
        )
    )


register_pending_resolver("meeting_poll", not_answered_poll)
register_pending_resolver(MINUTES_PENDING, not_approved_minutes)


# ---- the time poll --------------------------------------------------------------------------


async def create_poll(
    session: AsyncSession,
    *,
    table_id: int | None,
    kind: MeetingKind,
    title: str,
    place: str,
    slots: list[Slot],
    deadline: datetime,
    invitees: list[int],
    created_by: int,
    now: datetime,
) -> Meeting:
    meeting = Meeting(
        table_id=table_id,
        kind=kind,
        title=title.strip(),
        place=place.strip(),
        status=MeetingStatus.POLLING,
        created_by_id=created_by,
        created_at=now,
        poll_deadline_at=deadline,
        ics_sequence=0,
        agenda_changed=False,
        agenda_version=0,
        results_version=0,
        minutes_status=MinutesStatus.NONE,
    )
    session.add(meeting)
    await session.flush()
    for slot in sorted(set(slots), key=lambda s: (s.starts_at, s.ends_at)):
        session.add(
            MeetingSlot(meeting_id=meeting.id, starts_at=slot.starts_at, ends_at=slot.ends_at)
        )
    for person_id in dict.fromkeys(invitees):
        session.add(
            Participant(
                meeting_id=meeting.id, person_id=person_id, attended=False, is_checker=False
            )
        )
    await record(
        session,
        actor_id=created_by,
        action="meeting.poll",
        at=now,
        subject=f"meeting:{meeting.id}",
        detail={"slots": len(slots)},
    )
    await session.flush()
    # Those who have not answered a day before the poll closes get a nudge.
    await _schedule_meeting(session, meeting, ReminderKind.MEETING_POLL, deadline, now)
    return meeting


async def slots_of(session: AsyncSession, meeting_id: int) -> list[MeetingSlot]:
    return list(
        await session.scalars(
            select(MeetingSlot)
            .where(MeetingSlot.meeting_id == meeting_id)
            .order_by(MeetingSlot.starts_at, MeetingSlot.id)
        )
    )


async def votes_of(session: AsyncSession, meeting_id: int) -> list[SlotVote]:
    return list(
        await session.scalars(
            select(SlotVote)
            .join(MeetingSlot, MeetingSlot.id == SlotVote.slot_id)
            .where(MeetingSlot.meeting_id == meeting_id)
        )
    )


class VoteOutcome(enum.StrEnum):
    SAVED = "saved"
    UNCHANGED = "unchanged"
    CLOSED = "closed"
    NOT_INVITED = "not_invited"
    NO_SUCH_SLOT = "no_such_slot"


async def vote(
    session: AsyncSession,
    *,
    meeting: Meeting,
    slot_id: int,
    person_id: int,
    answer: Answer,
    now: datetime,
) -> VoteOutcome:
    if meeting.status is not MeetingStatus.POLLING or (
        meeting.poll_deadline_at is not None and now >= meeting.poll_deadline_at
    ):
        return VoteOutcome.CLOSED
    if await participant(session, meeting.id, person_id) is None:
        return VoteOutcome.NOT_INVITED
    slot = await session.get(MeetingSlot, slot_id)
    if slot is None or slot.meeting_id != meeting.id:
        return VoteOutcome.NO_SUCH_SLOT
    existing = await session.scalar(
        select(SlotVote).where(SlotVote.slot_id == slot_id, SlotVote.person_id == person_id)
    )
    if existing is not None and existing.answer is answer:
        return VoteOutcome.UNCHANGED
    if existing is None:
        session.add(SlotVote(slot_id=slot_id, person_id=person_id, answer=answer, answered_at=now))
    else:
        existing.answer = answer
        existing.answered_at = now
    meeting.results_version += 1
    await session.flush()
    return VoteOutcome.SAVED


@dataclass(frozen=True)
class PollState:
    slots: list[MeetingSlot]
    answers: dict[int, list[Answer]]  # slot id -> answers
    by_person: dict[int, dict[int, Answer]]  # person id -> slot id -> answer

    def ranked(self) -> list[int]:
        return rank_slots([(s.id, s.starts_at) for s in self.slots], self.answers)

    def best(self) -> MeetingSlot | None:
        order = self.ranked()
        return next((s for s in self.slots if s.id == order[0]), None) if order else None


async def poll_state(session: AsyncSession, meeting_id: int) -> PollState:
    slots = await slots_of(session, meeting_id)
    answers: dict[int, list[Answer]] = {s.id: [] for s in slots}
    by_person: dict[int, dict[int, Answer]] = {}
    for row in await votes_of(session, meeting_id):
        answers.setdefault(row.slot_id, []).append(row.answer)
        by_person.setdefault(row.person_id, {})[row.slot_id] = row.answer
    return PollState(slots, answers, by_person)


async def claim_due_polls(session: AsyncSession, now: datetime, limit: int = 100) -> list[int]:
    """Close the polls past their deadline; each is claimed by exactly one process."""
    claimed = await claim(
        session,
        Meeting,
        due=(Meeting.status == MeetingStatus.POLLING) & (Meeting.poll_deadline_at <= now),
        order_by=[Meeting.poll_deadline_at, Meeting.id],
        limit=limit,
        values={
            "status": MeetingStatus.CLOSED,
            "closed_at": now,
            "results_version": Meeting.results_version + 1,
        },
    )
    for meeting_id in claimed:
        await cancel_reminders(session, poll_target(meeting_id))
    return claimed


async def close_poll_now(session: AsyncSession, meeting: Meeting, now: datetime) -> bool:
    """The organiser closes early; same claim as the deadline tick."""
    result = await session.execute(
        update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.status == MeetingStatus.POLLING)
        .values(
            status=MeetingStatus.CLOSED, closed_at=now, results_version=Meeting.results_version + 1
        )
        .execution_options(synchronize_session=False)
    )
    await session.refresh(meeting)
    closed: bool = result.rowcount == 1  # type: ignore[attr-defined]
    if closed:
        await cancel_reminders(session, poll_target(meeting.id))
    return closed


async def suggest(session: AsyncSession, meeting: Meeting) -> MeetingSlot | None:
    best = (await poll_state(session, meeting.id)).best()
    meeting.suggested_slot_id = best.id if best else None
    return best


async def confirm_slot(
    session: AsyncSession, meeting: Meeting, slot: MeetingSlot, actor_id: int, now: datetime
) -> bool:
    """Turn the closed poll into a scheduled meeting at the chosen time."""
    if meeting.status is not MeetingStatus.CLOSED or slot.meeting_id != meeting.id:
        return False
    meeting.status = MeetingStatus.SCHEDULED
    meeting.starts_at = slot.starts_at
    meeting.ends_at = slot.ends_at
    await record(
        session,
        actor_id=actor_id,
        action="meeting.confirm",
        at=now,
        subject=f"meeting:{meeting.id}",
        detail={"slot_id": slot.id},
    )
    await _schedule_meeting(session, meeting, ReminderKind.MEETING, slot.starts_at, now)
    return True


async def move(
    session: AsyncSession, meeting: Meeting, slot: Slot, actor_id: int, now: datetime
) -> None:
    meeting.starts_at = slot.starts_at
    meeting.ends_at = slot.ends_at
    meeting.ics_sequence += 1
    await record(
        session,
        actor_id=actor_id,
        action="meeting.move",
        at=now,
        subject=f"meeting:{meeting.id}",
        detail={"starts_at": slot.starts_at.isoformat()},
    )
    # The engine moves the rows, and re-arms those already sent about the old time.
    await _schedule_meeting(session, meeting, ReminderKind.MEETING, slot.starts_at, now)


async def cancel(session: AsyncSession, meeting: Meeting, actor_id: int, now: datetime) -> None:
    meeting.status = MeetingStatus.CANCELLED
    meeting.ics_sequence += 1
    await record(
        session,
        actor_id=actor_id,
        action="meeting.cancel",
        at=now,
        subject=f"meeting:{meeting.id}",
    )
    await cancel_reminders(session, meeting_target(meeting.id))
    await cancel_reminders(session, poll_target(meeting.id))


# ---- RSVP and attendance ---------------------------------------------------------------------


async def set_rsvp(session: AsyncSession, meeting: Meeting, person_id: int, answer: Rsvp) -> bool:
    row = await participant(session, meeting.id, person_id)
    if row is None:
        return False
    row.rsvp = answer
    return True


async def toggle_attended(session: AsyncSession, meeting: Meeting, person_id: int) -> bool | None:
    row = await participant(session, meeting.id, person_id)
    if row is None:
        return None
    row.attended = not row.attended
    return row.attended


# ---- agenda ---------------------------------------------------------------------------------


async def agenda(
    session: AsyncSession,
    meeting_id: int,
    statuses: tuple[ItemStatus, ...] = (ItemStatus.ACCEPTED,),
) -> list[AgendaItem]:
    return list(
        await session.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting_id, AgendaItem.status.in_(statuses))
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )


async def propose_item(
    session: AsyncSession,
    *,
    meeting: Meeting,
    person_id: int,
    title: str,
    body: str,
    file_id: int | None,
    accepted: bool,
    now: datetime,
) -> AgendaItem:
    top = await session.scalar(
        select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id)
    )
    item = AgendaItem(
        meeting_id=meeting.id,
        proposed_by_id=person_id,
        title=title.strip(),
        body=body.strip(),
        file_id=file_id,
        status=ItemStatus.ACCEPTED if accepted else ItemStatus.PROPOSED,
        position=(top or 0) + 1,
        created_at=now,
    )
    session.add(item)
    if accepted:
        agenda_touched(meeting)
    await session.flush()
    return item


async def set_agenda_cutoff(
    session: AsyncSession, meeting: Meeting, cutoff: datetime | None, now: datetime
) -> None:
    """Set, change or remove (None) the last moment to propose items; reminds a day before."""
    meeting.agenda_cutoff_at = cutoff
    target = meeting_target(meeting.id)
    if cutoff is None or cutoff <= now or meeting.status is MeetingStatus.CANCELLED:
        await cancel_reminders(session, target, ReminderKind.AGENDA_CUTOFF)
        return
    await _schedule_meeting(session, meeting, ReminderKind.AGENDA_CUTOFF, cutoff, now)


def agenda_touched(meeting: Meeting) -> None:
    meeting.agenda_version += 1
    if meeting.agenda_posted_at is not None:
        meeting.agenda_changed = True


async def move_item(session: AsyncSession, meeting: Meeting, item: AgendaItem, step: int) -> bool:
    items = await agenda(session, meeting.id)
    if item not in items:
        return False
    index = items.index(item)
    other = index + step
    if not 0 <= other < len(items):
        return False
    items[index], items[other] = items[other], items[index]
    for position, row in enumerate(items, start=1):
        row.position = position
    agenda_touched(meeting)
    return True


# ---- minutes --------------------------------------------------------------------------------


async def submit_minutes(
    session: AsyncSession,
    meeting: Meeting,
    *,
    text: str | None,
    file_id: int | None,
    checker_ids: list[int],
    actor_id: int,
    now: datetime,
) -> bool:
    """Store the minutes; with no checkers they are published at once. True if published."""
    meeting.minutes_text = text
    meeting.minutes_file_id = file_id
    for row, _person in await participants(session, meeting.id):
        row.is_checker = row.person_id in checker_ids
        row.approved_at = None
    await record(
        session,
        actor_id=actor_id,
        action="meeting.minutes",
        at=now,
        subject=f"meeting:{meeting.id}",
        detail={"checkers": checker_ids},
    )
    if not checker_ids:
        await publish_minutes(session, meeting, now)
        return True
    meeting.minutes_status = MinutesStatus.CHECKING
    # Checkers who have not approved a day before the check time runs out get a reminder.
    await schedule(
        session,
        target=meeting_target(meeting.id),
        table_id=meeting.table_id,
        kind=ReminderKind.MINUTES_APPROVAL,
        anchor=minutes_check_deadline(now),
        title=meeting.title,
        now=now,
        audience=Audience.NAMED,
        person_ids=checker_ids,
        pending_key=MINUTES_PENDING,
    )
    return False


def minutes_check_deadline(submitted_at: datetime) -> datetime:
    return submitted_at + MINUTES_CHECK_TIME


async def publish_minutes(session: AsyncSession, meeting: Meeting, now: datetime) -> None:
    meeting.minutes_status = MinutesStatus.PUBLISHED
    meeting.minutes_published_at = now
    await cancel_reminders(session, meeting_target(meeting.id), ReminderKind.MINUTES_APPROVAL)


class ApproveOutcome(enum.StrEnum):
    APPROVED = "approved"
    PUBLISHED = "published"
    ALREADY = "already"
    NOT_CHECKER = "not_checker"
    NOT_WAITING = "not_waiting"


async def approve_minutes(
    session: AsyncSession, meeting: Meeting, person_id: int, now: datetime
) -> ApproveOutcome:
    if meeting.minutes_status is not MinutesStatus.CHECKING:
        return ApproveOutcome.NOT_WAITING
    rows = [row for row, _ in await participants(session, meeting.id)]
    mine = next((r for r in rows if r.person_id == person_id and r.is_checker), None)
    if mine is None:
        return ApproveOutcome.NOT_CHECKER
    if mine.approved_at is not None:
        return ApproveOutcome.ALREADY
    mine.approved_at = now
    await record(
        session,
        actor_id=person_id,
        action="meeting.minutes_approve",
        at=now,
        subject=f"meeting:{meeting.id}",
    )
    checkers = [r.person_id for r in rows if r.is_checker]
    approved = [r.person_id for r in rows if r.approved_at is not None]
    if minutes_approved(checkers, approved):
        await publish_minutes(session, meeting, now)
        return ApproveOutcome.PUBLISHED
    return ApproveOutcome.APPROVED


# ---- browsing ---------------------------------------------------------------------------------


async def meetings_for(
    session: AsyncSession,
    table_ids: list[int],
    include_joint: bool,
) -> list[Meeting]:
    condition = (
        Meeting.table_id.in_(table_ids) | Meeting.table_id.is_(None)
        if include_joint
        else Meeting.table_id.in_(table_ids)
    )
    return list(
        await session.scalars(select(Meeting).where(condition).order_by(Meeting.id.desc()))
    )


def upcoming_and_past(
    meetings: list[Meeting], now: datetime
) -> tuple[list[Meeting], list[Meeting]]:
    """Polls and meetings still ahead, soonest first; then the rest, newest first."""
    upcoming = [
        m
        for m in meetings
        if m.status in (MeetingStatus.POLLING, MeetingStatus.CLOSED)
        or (m.status is MeetingStatus.SCHEDULED and m.ends_at and m.ends_at >= now)
    ]
    past = [m for m in meetings if m not in upcoming]
    upcoming.sort(key=lambda m: m.starts_at or m.poll_deadline_at or m.created_at)
    past.sort(key=lambda m: m.starts_at or m.created_at, reverse=True)
    return upcoming, past


def still_upcoming(meeting: Meeting, now: datetime) -> bool:
    """Not cancelled, and not yet over (or its time not yet fixed)."""
    return meeting.status is not MeetingStatus.CANCELLED and (
        meeting.ends_at is None or meeting.ends_at >= now
    )


def agenda_posted(meeting: Meeting, now: datetime) -> None:
    meeting.agenda_posted_at = now
    meeting.agenda_changed = False


async def accept_item(session: AsyncSession, meeting: Meeting, item: AgendaItem) -> bool:
    """A proposal onto the agenda, last; False when it is not a proposal (any more)."""
    if item.status is not ItemStatus.PROPOSED:
        return False
    item.status = ItemStatus.ACCEPTED
    accepted = await agenda(session, meeting.id)
    item.position = max((i.position for i in accepted if i.id != item.id), default=0) + 1
    agenda_touched(meeting)
    return True


def reject_item(meeting: Meeting, item: AgendaItem) -> bool:
    """A proposal turned down, or an item taken off the agenda; False when already gone."""
    if item.status is ItemStatus.REJECTED:
        return False
    was_listed = item.status is ItemStatus.ACCEPTED
    item.status = ItemStatus.REJECTED
    if was_listed:
        agenda_touched(meeting)
    return True
