"""Button data shared by every feature. It selects; the handler re-checks the right to it."""

from __future__ import annotations

import enum

from aiogram.filters.callback_data import CallbackData


class Menu(enum.StrEnum):
    """The /menu entries; each is also answered by the command of the same feature."""

    MEETINGS = "meetings"
    STATEMENTS = "statements"
    VOTES = "votes"
    MEMBERS = "members"
    ANNOUNCE = "announce"
    INVITE = "invite"
    REMINDERS = "reminders"
    ME = "me"
    LANGUAGE = "language"
    HELP = "help"


class Form(enum.StrEnum):
    """The multi-step forms a Peru button can leave."""

    AGENDA = "agenda"
    BALLOT = "ballot"
    IMPORT = "import"
    MEETING = "meeting"
    MINUTES = "minutes"
    STATEMENT = "statement"


class MenuItem(CallbackData, prefix="m"):
    item: Menu


class PickLanguage(CallbackData, prefix="lang"):
    language: str


class InviteTable(CallbackData, prefix="it"):
    table_id: int


class InviteRole(CallbackData, prefix="ir"):
    table_id: int
    role: str  # a Role, or "import" for many at once from a CSV


class LinkGroup(CallbackData, prefix="lg"):
    table_id: int


class Cancel(CallbackData, prefix="x"):
    form: Form


class Skip(CallbackData, prefix="sk"):
    """Leave out an optional step of a form."""

    form: Form
