"""Meeting rules: typed Finnish times in Helsinki time, deadlines, ranking, edit pacing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from storage.meeting_rules import (
    Answer,
    DeadlineProblem,
    Slot,
    TextProblem,
    TimeProblem,
    check_deadline,
    check_text,
    deadline_options,
    may_edit,
    minutes_approved,
    missing,
    parse_time,
    rank_slots,
    slot_from_picker,
    tally,
)

HKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2025, 12, 1, 10, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        # Winter: Helsinki is UTC+2.
        ("14.1. 17-19", utc(2026, 1, 14, 15), utc(2026, 1, 14, 17)),
        ("ke 14.1.2026 klo 17.00", utc(2026, 1, 14, 15), utc(2026, 1, 14, 17)),
        ("14.1.2026 17.00-19.00", utc(2026, 1, 14, 15), utc(2026, 1, 14, 17)),
        ("14.1.2026 17.00–19.30", utc(2026, 1, 14, 15), utc(2026, 1, 14, 17, 30)),
        ("  Ke 14.1.26  klo 17:15 ", utc(2026, 1, 14, 15, 15), utc(2026, 1, 14, 17, 15)),
        # Summer: UTC+3.
        ("16.6. 17-19", utc(2026, 6, 16, 14), utc(2026, 6, 16, 16)),
        ("ti 16.6.2026 klo 9", utc(2026, 6, 16, 6), utc(2026, 6, 16, 8)),
    ],
)
def test_typed_times_are_helsinki_local(text: str, start: datetime, end: datetime) -> None:
    assert parse_time(text, now=NOW, zone=HKI) == Slot(start, end)


def test_day_without_year_means_the_next_such_day() -> None:
    slot = parse_time("14.1. 17", now=utc(2026, 2, 1, 10), zone=HKI)
    assert isinstance(slot, Slot) and slot.starts_at == utc(2027, 1, 14, 15)


def test_today_later_is_this_year_and_earlier_today_is_past() -> None:
    now = utc(2026, 1, 14, 12)  # 14.00 in Helsinki
    assert parse_time("14.1. 17", now=now, zone=HKI) == Slot(
        utc(2026, 1, 14, 15), utc(2026, 1, 14, 17)
    )
    assert parse_time("14.1. 13", now=now, zone=HKI) is TimeProblem.PAST


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("huomenna", TimeProblem.FORMAT),
        ("14.1.", TimeProblem.FORMAT),
        ("", TimeProblem.FORMAT),
        ("31.2.2026 17", TimeProblem.IMPOSSIBLE),
        ("14.13. 17", TimeProblem.IMPOSSIBLE),
        ("14.1.2026 25.00", TimeProblem.IMPOSSIBLE),
        ("14.1.2026 17.75", TimeProblem.IMPOSSIBLE),
        ("29.3.2026 3.30", TimeProblem.IMPOSSIBLE),  # clocks jump from 3.00 to 4.00
        ("ti 14.1.2026 17", TimeProblem.WEEKDAY),
        ("14.1.2026 19-17", TimeProblem.END_BEFORE_START),
        ("1.11.2025 17", TimeProblem.PAST),
        # The ends of datetime's range: refused before any arithmetic could overflow.
        ("1.1.0001 00.00", TimeProblem.PAST),
        ("31.12.9999 23-24", TimeProblem.TOO_FAR),
        ("1.1.9999 17", TimeProblem.TOO_FAR),
    ],
)
def test_bad_times_name_their_problem(text: str, problem: TimeProblem) -> None:
    assert parse_time(text, now=NOW, zone=HKI) is problem


def test_autumn_fold_takes_the_first_of_the_two_hours() -> None:
    slot = parse_time("25.10.2026 3.30", now=NOW, zone=HKI)
    assert isinstance(slot, Slot) and slot.starts_at == utc(2026, 10, 25, 0, 30)


def test_leap_day_without_year_finds_the_next_leap_year() -> None:
    slot = parse_time("29.2. 12", now=NOW, zone=HKI)
    assert isinstance(slot, Slot) and slot.starts_at == utc(2028, 2, 29, 10)


def test_picker_slot_and_its_problems() -> None:
    assert slot_from_picker(date(2026, 6, 16), 17, 0, now=NOW, zone=HKI) == Slot(
        utc(2026, 6, 16, 14), utc(2026, 6, 16, 16)
    )
    assert slot_from_picker(date(2025, 11, 30), 17, 0, now=NOW, zone=HKI) is TimeProblem.PAST
    assert slot_from_picker(date(2026, 3, 29), 3, 0, now=NOW, zone=HKI) is TimeProblem.IMPOSSIBLE


def test_deadline_rules() -> None:
    first = utc(2026, 1, 14, 15)
    assert check_deadline(NOW - timedelta(minutes=1), now=NOW, first_start=first) is (
        DeadlineProblem.PAST
    )
    assert check_deadline(first, now=NOW, first_start=first) is DeadlineProblem.AFTER_MEETING
    assert check_deadline(first + timedelta(days=1), now=NOW, first_start=first) is (
        DeadlineProblem.AFTER_MEETING
    )
    assert check_deadline(first - timedelta(hours=1), now=NOW, first_start=first) is None


def test_ready_made_deadlines_are_at_four_and_before_the_first_time() -> None:
    today = NOW.astimezone(HKI).date()  # Monday 1.12.2025, 12.00 in Helsinki
    first = datetime(2025, 12, 5, 17, tzinfo=HKI)
    options = deadline_options(today, now=NOW, zone=HKI, first_start=first)
    assert [o.astimezone(HKI) for o in options] == [
        datetime(2025, 12, 2, 16, tzinfo=HKI),
        datetime(2025, 12, 3, 16, tzinfo=HKI),
        datetime(2025, 12, 4, 16, tzinfo=HKI),
    ]
    assert deadline_options(today, now=NOW, zone=HKI, first_start=utc(2025, 12, 2, 13)) == []


def test_text_rules() -> None:
    assert check_text("  ", 10) is TextProblem.EMPTY
    assert check_text(None, 10) is TextProblem.EMPTY
    assert check_text("x" * 11, 10) is TextProblem.TOO_LONG
    assert check_text(" " + "x" * 10 + " ", 10) is None


def test_ranking_most_yes_then_most_if_need_be_then_earliest() -> None:
    slots = [
        (1, utc(2026, 1, 1)),
        (2, utc(2026, 1, 2)),
        (3, utc(2026, 1, 3)),
        (4, utc(2026, 1, 4)),
    ]
    answers = {
        1: [Answer.YES, Answer.NO, Answer.NO],
        2: [Answer.YES, Answer.YES, Answer.NO],
        3: [Answer.YES, Answer.YES, Answer.MAYBE],
        4: [Answer.YES, Answer.MAYBE, Answer.MAYBE],
    }
    assert rank_slots(slots, answers) == [3, 2, 4, 1]
    assert rank_slots(slots, {}) == [1, 2, 3, 4]
    assert tally(answers[4]).maybe == 2


def test_edit_pacing_keeps_a_group_under_twenty_edits_a_minute() -> None:
    edits = 0
    last = None
    for second in range(60):
        now = NOW + timedelta(seconds=second)
        if may_edit(last, now):
            edits += 1
            last = now
    assert edits == 12


def test_missing_and_minutes_approval() -> None:
    assert missing([5, 1, 3], [3]) == [5, 1]
    assert minutes_approved([], [])
    assert not minutes_approved([1, 2], [1])
    assert minutes_approved([1, 2], [2, 1])
