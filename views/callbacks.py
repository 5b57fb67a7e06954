"""Button data shared by every feature (a feature's own lives in its view module).

It selects; the handler re-checks the right to it.
"""

from __future__ import annotations

import enum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

# A row id in button data. An id no row can have (negative, or past 64 bits) is refused when
# the data is read, like any unknown button, instead of failing in the database driver.
RowId = Annotated[int, Field(ge=0, le=2**63 - 1)]


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
    MYDATA = "mydata"
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


class Cancel(CallbackData, prefix="x"):
    form: Form


class Skip(CallbackData, prefix="sk"):
    """Leave out an optional step of a form."""

    form: Form
