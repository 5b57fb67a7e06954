"""Meeting rules over plain values: typed Finnish times, deadlines, slot ranking, edit pacing."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

MIN_SLOTS = 2
MAX_SLOTS = 20
TITLE_LIMIT = 120
PLACE_LIMIT = 300
ITEM_TEXT_LIMIT = 1500
MINUTES_TEXT_LIMIT = 3500
DEFAULT_LENGTH = timedelta(hours=2)
# One results message per chat is edited at most this often; 5 s keeps a group under 20/min.
EDIT_INTERVAL = timedelta(seconds=5)

WEEKDAY_WORDS = ("ma", "ti", "ke", "to", "pe", "la", "su")


class Answer(enum.StrEnum):
    YES = "yes"
    MAYBE = "maybe"  # if need be
    NO = "no"


class Rsvp(enum.StrEnum):
    COMING = "coming"
    NOT_COMING = "not_coming"
    MAYBE = "maybe"


class MeetingKind(enum.StrEnum):
    REGULAR = "regular"
    PLANNING = "planning"
    CHAIRS = "chairs"  # joint meeting of the four chairs
    RESIDENT_EVENT = "event"  # e.g. Kerro Pois!


class TimeProblem(enum.StrEnum):
    FORMAT = "format"  # not a date and time we understand
    IMPOSSIBLE = "impossible"  # 31.2., 25.00, a local time skipped by DST
    WEEKDAY = "weekday"  # "ti" written for a day that is not a Tuesday
    END_BEFORE_START = "end_before_start"
    PAST = "past"
    TOO_FAR = "too_far"  # year 9999: later arithmetic (reminders, calendars) would overflow


# How far ahead a meeting may be set; also keeps every date sum inside datetime's range.
MAX_YEARS_AHEAD = 5


class DeadlineProblem(enum.StrEnum):
    PAST = "past"
    AFTER_MEETING = "after_meeting"


class TextProblem(enum.StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"


@dataclass(frozen=True)
class Slot:
    """A candidate or chosen time, as UTC instants."""

    starts_at: datetime
    ends_at: datetime


_TIME_RE = re.compile(
    r"^(?:(?P<wd>ma|ti|ke|to|pe|la|su)\.?\s+)?"
    r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4}|\d{2})?"
    r"\s*(?:klo\s*)?"
    r"(?P<h1>\d{1,2})(?:[.:](?P<n1>\d{2}))?"
    r"(?:\s*-\s*(?P<h2>\d{1,2})(?:[.:](?P<n2>\d{2}))?)?$"
)


def _local(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a local wall time, or None if that wall time does not exist."""
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    instant = local.astimezone(UTC)
    back = instant.astimezone(zone)
    if (back.hour, back.minute, back.date()) != (hour, minute, day):
        return None  # inside the spring-forward gap
    return instant


def _next_existing(year: int, month: int, day_number: int) -> date:
    """The first year from `year` on that has this day (29.2. waits for a leap year)."""
    for candidate in range(year, year + 8):
        try:
            return date(candidate, month, day_number)
        except ValueError:
            continue
    raise ValueError("no such day")


def parse_time(
    text: str, *, now: datetime, zone: ZoneInfo, default_length: timedelta = DEFAULT_LENGTH
) -> Slot | TimeProblem:
    """`14.1. 17-19`, `ti 14.1.2026 klo 17.00`, `14.1.2026 17.00-19.00` as a UTC slot.

    Without a year the next such day is meant. Without an end the slot lasts default_length.
    """
    cleaned = re.sub(r"\s+", " ", text.strip().lower().replace("–", "-").replace("—", "-"))
    match = _TIME_RE.match(cleaned)
    if match is None:
        return TimeProblem.FORMAT
    today = now.astimezone(zone).date()
    day_number, month = int(match["d"]), int(match["m"])
    if match["y"]:
        year = int(match["y"])
        year = year + 2000 if year < 100 else year
    else:
        year = today.year
    day: date | None
    try:
        day = date(year, month, day_number)
    except ValueError:
        if match["y"] or (month, day_number) != (2, 29):
            return TimeProblem.IMPOSSIBLE
        day = None
    if not match["y"] and (day is None or day < today):
        day = _next_existing(year + 1, month, day_number)
    if day is None:
        return TimeProblem.IMPOSSIBLE
    # Checked before any time arithmetic: year 1 or 9999 must not overflow.
    if day < today:
        return TimeProblem.PAST
    if day.year > today.year + MAX_YEARS_AHEAD:
        return TimeProblem.TOO_FAR
    if match["wd"] and WEEKDAY_WORDS.index(match["wd"]) != day.weekday():
        return TimeProblem.WEEKDAY
    start = _local(day, int(match["h1"]), int(match["n1"] or 0), zone)
    if start is None:
        return TimeProblem.IMPOSSIBLE
    if match["h2"] is not None:
        end_hour, end_minute = int(match["h2"]), int(match["n2"] or 0)
        end = (
            _local(day, end_hour, end_minute, zone)
            if (end_hour, end_minute) != (24, 0)
            else _local(day + timedelta(days=1), 0, 0, zone)
        )
        if end is None:
            return TimeProblem.IMPOSSIBLE
        if end <= start:
            return TimeProblem.END_BEFORE_START
    else:
        end = start + default_length
    if start <= now:
        return TimeProblem.PAST
    return Slot(start, end)


def slot_from_picker(
    day: date,
    hour: int,
    minute: int,
    *,
    now: datetime,
    zone: ZoneInfo,
    length: timedelta = DEFAULT_LENGTH,
) -> Slot | TimeProblem:
    start = _local(day, hour, minute, zone)
    if start is None:
        return TimeProblem.IMPOSSIBLE
    if start <= now:
        return TimeProblem.PAST
    return Slot(start, start + length)


def check_deadline(
    deadline: datetime, *, now: datetime, first_start: datetime
) -> DeadlineProblem | None:
    """Answers must close in the future and before the earliest candidate time begins."""
    if deadline <= now:
        return DeadlineProblem.PAST
    if deadline >= first_start:
        return DeadlineProblem.AFTER_MEETING
    return None


def deadline_options(
    today: date, *, now: datetime, zone: ZoneInfo, first_start: datetime
) -> list[datetime]:
    """Ready-made deadlines: 16.00 in 1, 2, 3 and 7 days, those that end before the first time."""
    options = []
    for days in (1, 2, 3, 7):
        option = slot_from_picker(today + timedelta(days=days), 16, 0, now=now, zone=zone)
        if (
            isinstance(option, Slot)
            and check_deadline(option.starts_at, now=now, first_start=first_start) is None
        ):
            options.append(option.starts_at)
    return options


def check_text(text: str | None, limit: int) -> TextProblem | None:
    """Empty, or longer than `limit` as Telegram counts (UTF-16 units: an emoji is two)."""
    if text is None or not text.strip():
        return TextProblem.EMPTY
    if len(text.strip().encode("utf-16-le")) // 2 > limit:
        return TextProblem.TOO_LONG
    return None


@dataclass(frozen=True)
class Tally:
    yes: int = 0
    maybe: int = 0
    no: int = 0


def tally(answers: Iterable[Answer]) -> Tally:
    counts = {answer: 0 for answer in Answer}
    for answer in answers:
        counts[answer] += 1
    return Tally(counts[Answer.YES], counts[Answer.MAYBE], counts[Answer.NO])


def rank_slots(
    slots: Sequence[tuple[int, datetime]], answers: Mapping[int, Iterable[Answer]]
) -> list[int]:
    """Slot ids best first: most yes, then most if-need-be, then the earlier time."""
    tallies = {slot_id: tally(answers.get(slot_id, ())) for slot_id, _ in slots}
    ordered = sorted(slots, key=lambda s: (-tallies[s[0]].yes, -tallies[s[0]].maybe, s[1], s[0]))
    return [slot_id for slot_id, _ in ordered]


def may_edit(
    last_edit: datetime | None, now: datetime, interval: timedelta = EDIT_INTERVAL
) -> bool:
    """A chat's results message is edited again only after the interval has passed."""
    return last_edit is None or now - last_edit >= interval


def agenda_open(cutoff: datetime | None, now: datetime) -> bool:
    """Members may propose agenda items until the organiser's cut-off (if one is set)."""
    return cutoff is None or now < cutoff


def missing(roster: Iterable[int], answered: Iterable[int]) -> list[int]:
    """Who of the roster has not answered, in roster order."""
    done = set(answered)
    return [person_id for person_id in roster if person_id not in done]


def minutes_approved(checker_ids: Iterable[int], approved_ids: Iterable[int]) -> bool:
    """With no checkers the minutes are approved at once; otherwise every checker approves."""
    return set(checker_ids) <= set(approved_ids)
