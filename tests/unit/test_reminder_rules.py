"""Reminder timing rules: offsets across DST, quiet hours, digests, what is still worth sending."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from storage.reminder_rules import (
    DEFAULT_OFFSETS,
    MINUTES_PER_DAY,
    DigestLine,
    Plan,
    Prefs,
    ReminderKind,
    Route,
    due_time,
    due_times,
    group_digests,
    in_quiet_hours,
    next_local_hour,
    plan_delivery,
    still_useful,
    superseded,
)

HEL = ZoneInfo("Europe/Helsinki")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HEL).astimezone(UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ---- offsets -> due times ------------------------------------------------------------------


def test_meeting_reminders_in_winter_come_at_meeting_time_local() -> None:
    meeting = local(2026, 1, 14, 18, 0)  # ke 14.1.2026 klo 18.00, UTC+2
    due = due_times(meeting, DEFAULT_OFFSETS[ReminderKind.MEETING], HEL)
    assert due[7 * MINUTES_PER_DAY] == utc(2026, 1, 7, 16, 0)
    assert due[MINUTES_PER_DAY] == utc(2026, 1, 13, 16, 0)
    assert due[120] == utc(2026, 1, 14, 14, 0)


def test_meeting_reminders_in_summer_come_at_meeting_time_local() -> None:
    meeting = local(2026, 6, 16, 18, 0)  # UTC+3
    due = due_times(meeting, DEFAULT_OFFSETS[ReminderKind.MEETING], HEL)
    assert due[7 * MINUTES_PER_DAY] == utc(2026, 6, 9, 15, 0)
    assert due[MINUTES_PER_DAY] == utc(2026, 6, 15, 15, 0)
    assert due[120] == utc(2026, 6, 16, 13, 0)


def test_week_before_reminder_keeps_local_time_across_march_change() -> None:
    meeting = local(2026, 3, 31, 18, 0)  # after 29.3.2026 03.00 -> 04.00, UTC+3
    due = due_time(meeting, 7 * MINUTES_PER_DAY, HEL)
    assert due == utc(2026, 3, 24, 16, 0)  # 18.00 local in winter time, UTC+2
    assert due.astimezone(HEL).hour == 18
    assert meeting - due == timedelta(days=7, hours=-1)


def test_week_before_reminder_keeps_local_time_across_october_change() -> None:
    meeting = local(2026, 10, 27, 18, 0)  # after 25.10.2026 04.00 -> 03.00, UTC+2
    due = due_time(meeting, 7 * MINUTES_PER_DAY, HEL)
    assert due == utc(2026, 10, 20, 15, 0)  # 18.00 local in summer time, UTC+3
    assert due.astimezone(HEL).hour == 18


def test_day_before_a_meeting_on_the_change_day_itself() -> None:
    meeting = local(2026, 3, 29, 18, 0)
    assert due_time(meeting, MINUTES_PER_DAY, HEL).astimezone(HEL).hour == 18
    meeting = local(2026, 10, 25, 18, 0)
    assert due_time(meeting, MINUTES_PER_DAY, HEL).astimezone(HEL).hour == 18


def test_two_hours_before_is_two_real_hours_even_over_the_change() -> None:
    meeting = local(2026, 3, 29, 5, 0)  # 05.00 summer time; 03.00-04.00 never existed
    assert meeting - due_time(meeting, 120, HEL) == timedelta(hours=2)
    assert due_time(meeting, 120, HEL).astimezone(HEL).hour == 2
    meeting = local(2026, 10, 25, 4, 30)  # 03.00-04.00 happened twice that night
    assert meeting - due_time(meeting, 120, HEL) == timedelta(hours=2)


def test_vote_deadline_reminder_is_same_local_time_the_day_before_across_march() -> None:
    closes = local(2026, 3, 29, 12, 0)  # the clocks went forward at 03.00 that night
    due = due_time(closes, DEFAULT_OFFSETS[ReminderKind.VOTE][0], HEL)
    assert due.astimezone(HEL).replace(tzinfo=None) == datetime(2026, 3, 28, 12, 0)
    assert closes - due == timedelta(hours=23)


def test_day_offset_landing_in_the_spring_gap_is_a_real_moment() -> None:
    closes = local(2026, 3, 30, 3, 30)  # the day before, 03.30 did not exist
    due = due_time(closes, MINUTES_PER_DAY, HEL)
    assert due == utc(2026, 3, 29, 1, 30)
    assert due.astimezone(HEL).hour == 4


SEASONS = {
    "winter": (2026, 1, 20, 17, 0),
    "summer": (2026, 7, 21, 17, 0),
    "march change": (2026, 4, 2, 17, 0),
    "october change": (2026, 10, 29, 17, 0),
}


@pytest.mark.parametrize("season", SEASONS)
@pytest.mark.parametrize("kind", list(ReminderKind))
def test_every_kind_comes_at_the_anchors_local_clock_time(kind: ReminderKind, season: str) -> None:
    anchor = local(*SEASONS[season])
    for offset, due in due_times(anchor, DEFAULT_OFFSETS[kind], HEL).items():
        assert due < anchor
        if offset % MINUTES_PER_DAY == 0:
            assert due.astimezone(HEL).time() == anchor.astimezone(HEL).time()
            days = (anchor.astimezone(HEL).date() - due.astimezone(HEL).date()).days
            assert days == offset // MINUTES_PER_DAY
        else:
            assert anchor - due == timedelta(minutes=offset)


# ---- usefulness after downtime ---------------------------------------------------------------


def test_a_reminder_after_the_meeting_began_is_not_useful() -> None:
    start = utc(2026, 1, 14, 16)
    assert still_useful(start, start - timedelta(seconds=1))
    assert not still_useful(start, start)
    assert not still_useful(start, start + timedelta(hours=1))


def test_older_reminder_is_superseded_by_a_later_one_also_due() -> None:
    now = utc(2026, 1, 14, 12)
    week, day = utc(2026, 1, 7, 16), utc(2026, 1, 13, 16)
    assert superseded(week, [day], now)
    assert not superseded(day, [week], now)
    assert not superseded(week, [now + timedelta(minutes=1)], now)


# ---- quiet hours, digest and kinds off -------------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "quiet"),
    [(20, False), (21, True), (23, True), (0, True), (7, True), (8, False), (12, False)],
)
def test_default_quiet_hours_are_21_to_08_local(hour: int, quiet: bool) -> None:
    assert in_quiet_hours(local(2026, 7, 1, hour, 30), HEL, Prefs()) is quiet
    assert in_quiet_hours(local(2026, 1, 1, hour, 30), HEL, Prefs()) is quiet


def test_quiet_hours_that_do_not_wrap_midnight_and_turned_off() -> None:
    early = Prefs(quiet_start=1, quiet_end=5)
    assert in_quiet_hours(local(2026, 1, 1, 3), HEL, early)
    assert not in_quiet_hours(local(2026, 1, 1, 23), HEL, early)
    assert not in_quiet_hours(local(2026, 1, 1, 23), HEL, Prefs(quiet_start=None, quiet_end=None))


def test_next_local_hour_across_the_march_change() -> None:
    assert next_local_hour(local(2026, 3, 28, 22), HEL, 8) == utc(2026, 3, 29, 5)
    assert next_local_hour(local(2026, 10, 24, 22), HEL, 8) == utc(2026, 10, 25, 6)
    assert next_local_hour(local(2026, 1, 5, 8), HEL, 8) == local(2026, 1, 5, 8)


def test_deadline_reminder_in_quiet_hours_waits_for_the_morning() -> None:
    now = local(2026, 1, 12, 22, 30)
    plan = plan_delivery(
        kind=ReminderKind.VOTE, anchor=local(2026, 1, 13, 22, 30), now=now, zone=HEL, prefs=Prefs()
    )
    assert plan == Plan(Route.SEND, local(2026, 1, 13, 8, 0))


def test_quiet_hours_morning_in_summer_time() -> None:
    now = local(2026, 7, 12, 23, 0)
    plan = plan_delivery(
        kind=ReminderKind.AGENDA_CUTOFF,
        anchor=local(2026, 7, 13, 23),
        now=now,
        zone=HEL,
        prefs=Prefs(),
    )
    assert plan.at == utc(2026, 7, 13, 5, 0)


def test_same_day_meeting_reminder_comes_even_in_quiet_hours() -> None:
    now = local(2026, 1, 14, 7, 0)
    plan = plan_delivery(
        kind=ReminderKind.MEETING,
        anchor=local(2026, 1, 14, 9, 0),
        now=now,
        zone=HEL,
        prefs=Prefs(),
    )
    assert plan == Plan(Route.SEND, now)


def test_meeting_reminder_for_another_day_waits_in_quiet_hours() -> None:
    now = local(2026, 1, 7, 22, 30)
    plan = plan_delivery(
        kind=ReminderKind.MEETING,
        anchor=local(2026, 1, 14, 22, 30),
        now=now,
        zone=HEL,
        prefs=Prefs(),
    )
    assert plan == Plan(Route.SEND, local(2026, 1, 8, 8, 0))


def test_waiting_for_morning_never_passes_the_deadline() -> None:
    now = local(2026, 1, 12, 5, 0)
    plan = plan_delivery(
        kind=ReminderKind.VOTE, anchor=local(2026, 1, 12, 7, 0), now=now, zone=HEL, prefs=Prefs()
    )
    assert plan == Plan(Route.SEND, now)


def test_turned_off_kind_is_skipped() -> None:
    prefs = Prefs(kinds_off=frozenset({"vote"}))
    now = local(2026, 1, 12, 12)
    assert (
        plan_delivery(
            kind=ReminderKind.VOTE, anchor=now + timedelta(days=1), now=now, zone=HEL, prefs=prefs
        ).route
        is Route.SKIP
    )
    assert (
        plan_delivery(
            kind=ReminderKind.MEETING,
            anchor=now + timedelta(days=1),
            now=now,
            zone=HEL,
            prefs=prefs,
        ).route
        is Route.SEND
    )


def test_digest_collects_until_the_morning_unless_that_is_too_late() -> None:
    prefs = Prefs(digest=True)
    now = local(2026, 1, 12, 12)
    later = plan_delivery(
        kind=ReminderKind.STATEMENT_CITY,
        anchor=local(2026, 1, 19, 12),
        now=now,
        zone=HEL,
        prefs=prefs,
    )
    assert later == Plan(Route.DIGEST, local(2026, 1, 13, 8))
    urgent = plan_delivery(
        kind=ReminderKind.MEETING, anchor=local(2026, 1, 12, 14), now=now, zone=HEL, prefs=prefs
    )
    assert urgent == Plan(Route.SEND, now)


def test_digest_hour_follows_quiet_hours_end_and_defaults_to_eight() -> None:
    assert Prefs(digest=True, quiet_start=22, quiet_end=7).digest_hour == 7
    assert Prefs(digest=True, quiet_start=None, quiet_end=None).digest_hour == 8


def test_group_digests_one_per_person_and_time_soonest_first() -> None:
    at = utc(2026, 1, 13, 6)
    a = DigestLine(ReminderKind.VOTE, utc(2026, 1, 15), "B")
    b = DigestLine(ReminderKind.MEETING, utc(2026, 1, 14), "A")
    c = DigestLine(ReminderKind.MINUTES_APPROVAL, utc(2026, 1, 16), "C")
    digests = group_digests([(1, at, a), (2, at, c), (1, at, b)])
    assert [(d.person_id, [line.title for line in d.lines]) for d in digests] == [
        (1, ["A", "B"]),
        (2, ["C"]),
    ]
