"""Calendar invitations (.ics) for meetings, with the Helsinki zone written out (VTIMEZONE)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

PRODID = "-//City of Lahti//poytabot//FI"


@dataclass(frozen=True)
class Invitation:
    uid: str
    title: str
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    place: str
    description: str
    sequence: int
    cancelled: bool = False


def meeting_uid(meeting_id: int, domain: str = "poytabot.lahti.fi") -> str:
    return f"meeting-{meeting_id}@{domain}"


def invitation_ics(invitation: Invitation, zone: ZoneInfo, now: datetime) -> bytes:
    """A one-event calendar; a moved meeting keeps its UID and raises SEQUENCE."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if invitation.cancelled else "PUBLISH")
    event = Event()
    event.add("uid", invitation.uid)
    event.add("dtstamp", now)
    event.add("dtstart", invitation.starts_at.astimezone(zone))
    event.add("dtend", invitation.ends_at.astimezone(zone))
    event.add("summary", invitation.title)
    if invitation.place:
        event.add("location", invitation.place)
    if invitation.description:
        event.add("description", invitation.description)
    event.add("sequence", invitation.sequence)
    event.add("status", "CANCELLED" if invitation.cancelled else "CONFIRMED")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
