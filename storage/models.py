"""Every model module, imported once so that Base.metadata (and Alembic) sees all tables."""

from storage import audit, invites, meetings, outbox, people, reminders, updates
from storage.base import Base

__all__ = ["Base", "audit", "invites", "meetings", "outbox", "people", "reminders", "updates"]
