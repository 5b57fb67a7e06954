"""Meeting button data. It selects; the handler's filter re-checks the right to the meeting.

Prefixes and field order are fixed: the packed strings (`ma:{id}:publish:0`) must not change.
"""

from __future__ import annotations

import enum

from aiogram.filters.callback_data import CallbackData

from storage.meeting_rules import Answer, Rsvp
from views.callbacks import RowId


class MeetingAct(enum.StrEnum):
    SHOW_AGENDA = "agenda"
    PROPOSE = "propose"
    SHOW_MINUTES = "minutes_show"
    CLOSE_POLL = "close"
    PICK_TIME = "pick"
    CONFIRM_TIME = "confirm"
    ORGANISE_AGENDA = "edit"
    SET_CUTOFF = "cutoff"
    PUBLISH_AGENDA = "publish"
    ATTENDANCE = "attend"
    ATTENDANCE_DONE = "attend_done"
    ADD_MINUTES = "minutes"
    CHECKERS_DONE = "minutes_done"
    APPROVE_MINUTES = "approve"
    MOVE = "move"
    CANCEL = "cancel"
    CANCEL_CONFIRMED = "cancel_yes"


class ItemAct(enum.StrEnum):
    ACCEPT = "acc"
    REJECT = "rej"
    UP = "up"
    DOWN = "down"
    EDIT = "edit"


class PersonAct(enum.StrEnum):
    ATTENDED = "att"
    CHECKER = "chk"


class NewStep(enum.StrEnum):
    """The steps of the new-poll form that a button answers."""

    START = "start"
    TABLE = "table"
    KIND = "kind"
    DAYS = "days"
    DAY = "day"
    HOUR = "hour"
    TIMES_DONE = "done"
    DEADLINE = "dl"
    SEND = "send"


class SlotAnswer(CallbackData, prefix="mv"):
    meeting_id: RowId
    slot_id: RowId
    answer: Answer


class RsvpAnswer(CallbackData, prefix="mr"):
    meeting_id: RowId
    answer: Rsvp


class OpenMeeting(CallbackData, prefix="mo"):
    meeting_id: RowId


class MeetingButton(CallbackData, prefix="ma"):
    meeting_id: RowId
    act: MeetingAct
    arg: RowId = 0  # the slot to confirm


class ItemButton(CallbackData, prefix="mi"):
    item_id: RowId
    act: ItemAct


class PersonButton(CallbackData, prefix="mp"):
    meeting_id: RowId
    person_id: RowId
    act: PersonAct


class NewPollButton(CallbackData, prefix="mn"):
    step: NewStep
    value: str = ""  # a table id, a kind, a day, a page offset, an hour or a deadline


# Buttons that are about one meeting (the filter that loads it reads `meeting_id`).
MeetingData = SlotAnswer | RsvpAnswer | OpenMeeting | MeetingButton | PersonButton

JOINT = 0  # the "table" of the chairs' joint meeting, in NewPollButton values
