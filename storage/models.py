"""Every model module, imported once so that Base.metadata (and Alembic) sees all tables."""

from storage import (
    announcements,
    audit,
    invites,
    meetings,
    outbox,
    people,
    reminders,
    replicas,
    statements,
    updates,
    votes,
)
from storage.base import Base

__all__ = [
    "Base",
    "announcements",
    "audit",
    "invites",
    "meetings",
    "outbox",
    "people",
    "reminders",
    "replicas",
    "statements",
    "updates",
    "votes",
]
