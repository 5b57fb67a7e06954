"""The .ics invitation: parsed back with icalendar, right local time in winter and summer."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from storage.ics import Invitation, invitation_ics, meeting_uid

HKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2025, 12, 1, tzinfo=UTC)


def _event(data: bytes) -> tuple[Calendar, object]:
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


@pytest.mark.parametrize(
    ("starts", "local_hour"),
    [
        (datetime(2026, 1, 14, 15, tzinfo=UTC), 17),  # EET, UTC+2
        (datetime(2026, 6, 16, 14, tzinfo=UTC), 17),  # EEST, UTC+3
        (datetime(2026, 3, 29, 14, tzinfo=UTC), 17),  # the day clocks go forward
    ],
)
def test_local_time_survives_a_round_trip(starts: datetime, local_hour: int) -> None:
    invitation = Invitation(
        meeting_uid(7),
        "Kokous",
        starts,
        starts.replace(hour=starts.hour + 2),
        "Kirjasto",
        "Tervetuloa",
        0,
    )
    calendar, event = _event(invitation_ics(invitation, HKI, NOW))
    start = event.decoded("dtstart")
    assert start.astimezone(HKI).hour == local_hour
    assert start.astimezone(UTC) == starts
    assert event.decoded("dtend").astimezone(UTC) == invitation.ends_at
    assert "TZID=Europe/Helsinki" in event.to_ical().decode()
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Helsinki"]
    assert str(event["uid"]) == "meeting-7@poytabot.lahti.fi"
    assert str(event["location"]) == "Kirjasto"


def test_moved_and_cancelled_meeting_keep_uid_and_raise_sequence() -> None:
    starts = datetime(2026, 1, 14, 15, tzinfo=UTC)
    ends = datetime(2026, 1, 14, 17, tzinfo=UTC)
    cancelled = Invitation(meeting_uid(7), "Kokous", starts, ends, "", "", 2, cancelled=True)
    calendar, event = _event(invitation_ics(cancelled, HKI, NOW))
    assert str(calendar["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert event.decoded("sequence") == 2
    assert "location" not in event
