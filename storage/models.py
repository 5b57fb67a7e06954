"""Every model module, imported once so that Base.metadata (and Alembic) sees all tables."""

from storage import (
    audit,
    invites,
    meetings,
    outbox,
    people,
    reminders,
    statements,
    updates,
    votes,
)
from storage.base import Base

__all__ = ["Base", "audit", "invites", "meetings", "outbox", "people", "reminders",
           "statements", "updates", "votes"]
