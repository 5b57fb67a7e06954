"""When reminders fall due, whether they are still worth sending, and how each person gets them.

Plain functions over plain values: no database, no Telegram. All inputs and outputs are aware
datetimes in UTC; local time only exists inside these functions, in the zone they are given.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
DEFAULT_QUIET_START = 21
DEFAULT_QUIET_END = 8
# A person with quiet hours off still gets their digest in the morning.
DEFAULT_DIGEST_HOUR = 8


class ReminderKind(enum.StrEnum):
    MEETING = "meeting"
    MEETING_POLL = "meeting_poll"
    VOTE = "vote"
    AGENDA_CUTOFF = "agenda"
    STATEMENT_CITY = "stmt_city"
    STATEMENT_INTERNAL = "stmt_internal"
    MINUTES_APPROVAL = "minutes"
    TERM_ENDING = "term"


# Offsets in minutes before the anchor. Whole days keep the local clock time across DST.
DEFAULT_OFFSETS: dict[ReminderKind, tuple[int, ...]] = {
    ReminderKind.MEETING: (7 * MINUTES_PER_DAY, MINUTES_PER_DAY, 120),
    ReminderKind.MEETING_POLL: (MINUTES_PER_DAY,),
    ReminderKind.VOTE: (MINUTES_PER_DAY,),
    ReminderKind.AGENDA_CUTOFF: (MINUTES_PER_DAY,),
    ReminderKind.STATEMENT_CITY: (7 * MINUTES_PER_DAY, 2 * MINUTES_PER_DAY),
    ReminderKind.STATEMENT_INTERNAL: (2 * MINUTES_PER_DAY,),
    ReminderKind.MINUTES_APPROVAL: (MINUTES_PER_DAY,),
    ReminderKind.TERM_ENDING: (60 * MINUTES_PER_DAY, 14 * MINUTES_PER_DAY),
}

# Kinds that go only to people who have not answered yet, and the resolver each one asks.
PENDING_RESOLVER: dict[ReminderKind, str] = {
    ReminderKind.MEETING_POLL: "meeting_poll",
    ReminderKind.VOTE: "vote",
}


def due_time(anchor: datetime, offset_minutes: int, zone: ZoneInfo) -> datetime:
    """The UTC moment `offset_minutes` before `anchor`.

    Whole-day offsets are counted on the local calendar, so a reminder 7 days before a meeting at
    18.00 comes at 18.00 local time even when the clocks changed in between. Other offsets are
    plain durations (2 hours before is 2 hours before).
    """
    if offset_minutes % MINUTES_PER_DAY:
        return (anchor - timedelta(minutes=offset_minutes)).astimezone(UTC)
    local = anchor.astimezone(zone).replace(tzinfo=None)
    wall = local - timedelta(days=offset_minutes // MINUTES_PER_DAY)
    return wall.replace(tzinfo=zone).astimezone(UTC)


def due_times(anchor: datetime, offsets: Iterable[int], zone: ZoneInfo) -> dict[int, datetime]:
    return {offset: due_time(anchor, offset, zone) for offset in offsets}


def still_useful(anchor: datetime, now: datetime) -> bool:
    """A reminder about something that already began or closed is missed, not sent."""
    return now < anchor


def superseded(due_at: datetime, sibling_due: Iterable[datetime], now: datetime) -> bool:
    """After downtime, when a later reminder of the same thing is also due, only it is sent."""
    return any(due_at < other <= now for other in sibling_due)


@dataclass(frozen=True)
class Prefs:
    """One person's choices; quiet hours are local whole hours, None when turned off."""

    kinds_off: frozenset[str] = frozenset()
    digest: bool = False
    quiet_start: int | None = DEFAULT_QUIET_START
    quiet_end: int | None = DEFAULT_QUIET_END

    @property
    def has_quiet_hours(self) -> bool:
        return (
            self.quiet_start is not None
            and self.quiet_end is not None
            and self.quiet_start != self.quiet_end
        )

    @property
    def digest_hour(self) -> int:
        return (
            self.quiet_end
            if self.has_quiet_hours and self.quiet_end is not None
            else DEFAULT_DIGEST_HOUR
        )


def in_quiet_hours(moment: datetime, zone: ZoneInfo, prefs: Prefs) -> bool:
    if not prefs.has_quiet_hours:
        return False
    assert prefs.quiet_start is not None and prefs.quiet_end is not None
    hour = moment.astimezone(zone).hour
    if prefs.quiet_start < prefs.quiet_end:
        return prefs.quiet_start <= hour < prefs.quiet_end
    return hour >= prefs.quiet_start or hour < prefs.quiet_end


def next_local_hour(moment: datetime, zone: ZoneInfo, hour: int) -> datetime:
    """The first moment at or after `moment` when the local clock shows `hour`.00."""
    local = moment.astimezone(zone)
    candidate = datetime.combine(local.date(), time(hour), tzinfo=zone)
    if candidate.astimezone(UTC) < moment:
        candidate = datetime.combine(local.date() + timedelta(days=1), time(hour), tzinfo=zone)
    return candidate.astimezone(UTC)


class Route(enum.Enum):
    SEND = "send"  # a message of its own, not before `at`
    DIGEST = "digest"  # into the person's daily digest sent at `at`
    SKIP = "skip"  # the person turned this kind off


@dataclass(frozen=True)
class Plan:
    route: Route
    at: datetime | None = None


def plan_delivery(
    *, kind: ReminderKind, anchor: datetime, now: datetime, zone: ZoneInfo, prefs: Prefs
) -> Plan:
    """How one due reminder reaches one person: now, after quiet hours, in the digest, or not."""
    if kind.value in prefs.kinds_off:
        return Plan(Route.SKIP)
    if prefs.digest:
        digest_at = next_local_hour(now, zone, prefs.digest_hour)
        # A digest that arrives after the thing began is no use: such reminders go singly.
        if digest_at < anchor:
            return Plan(Route.DIGEST, digest_at)
    if not in_quiet_hours(now, zone, prefs):
        return Plan(Route.SEND, now)
    same_day_meeting = (
        kind is ReminderKind.MEETING
        and anchor.astimezone(zone).date() == now.astimezone(zone).date()
    )
    if same_day_meeting:
        return Plan(Route.SEND, now)
    assert prefs.quiet_end is not None
    wake = next_local_hour(now, zone, prefs.quiet_end)
    # Waiting for the morning must not carry the reminder past its own deadline.
    return Plan(Route.SEND, wake if wake < anchor else now)


@dataclass(frozen=True)
class DigestLine:
    kind: ReminderKind
    anchor: datetime
    title: str
    zone: str = "Europe/Helsinki"


@dataclass
class Digest:
    person_id: int
    at: datetime
    lines: list[DigestLine] = field(default_factory=list)


def group_digests(items: Sequence[tuple[int, datetime, DigestLine]]) -> list[Digest]:
    """(person, digest time, line) triples into one digest per person and time, soonest first."""
    digests: dict[tuple[int, datetime], Digest] = {}
    for person_id, at, line in items:
        digests.setdefault((person_id, at), Digest(person_id, at)).lines.append(line)
    for digest in digests.values():
        digest.lines.sort(key=lambda line: (line.anchor, line.title))
    return sorted(digests.values(), key=lambda d: (d.at, d.person_id))
