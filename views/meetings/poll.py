"""The meeting time poll: its results message and buttons, the close notice, choosing the time."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from storage.meeting_rules import Answer
from storage.meetings import Meeting, MeetingSlot, MeetingStatus, PollState
from storage.people import Table
from views.meetings.buttons import MeetingAct, MeetingButton, SlotAnswer
from views.meetings.texts import ANSWER_MARKS, ANSWER_WORDS, span, table_name
from views.text import esc, moment


def poll_text(
    meeting: Meeting,
    table: Table | None,
    state: PollState,
    invited: int,
    zone: ZoneInfo,
    language: str,
) -> str:
    lines = [
        _("📅 <b>Kokousaikakysely: {title}</b>").format(title=esc(meeting.title)),
        esc(table_name(table, language)),
    ]
    if meeting.place:
        lines.append(_("Paikka: {place}").format(place=esc(meeting.place)))
    if meeting.status is MeetingStatus.POLLING and meeting.poll_deadline_at:
        lines.append(
            _("Vastaa viimeistään {deadline}.").format(
                deadline=moment(meeting.poll_deadline_at, zone, language)
            )
        )
        lines.append(
            _(
                "Valitse jokaiselle ajalle: Sopii, Tarvittaessa tai Ei sovi. "
                "Voit muuttaa vastausta."
            )
        )
    else:
        lines.append(_("Vastausaika on päättynyt."))
    best = state.best() if state.by_person else None
    for number, slot in enumerate(state.slots, start=1):
        counts = {answer: 0 for answer in Answer}
        for answer in state.answers.get(slot.id, []):
            counts[answer] += 1
        star = " ⭐" if best is not None and slot.id == best.id else ""
        lines.append(
            f"\n{number}. {span(slot.starts_at, slot.ends_at, zone, language)}{star}\n"
            f"    ✅ {counts[Answer.YES]}   🟡 {counts[Answer.MAYBE]}   "
            f"❌ {counts[Answer.NO]}"
        )
    lines.append(
        "\n"
        + _("Vastanneita: {answered}/{invited}").format(
            answered=len(state.by_person), invited=invited
        )
    )
    return "\n".join(lines)


def poll_keyboard(
    meeting: Meeting, slots: list[MeetingSlot], mine: dict[int, Answer] | None = None
) -> InlineKeyboardMarkup | None:
    """Three answers per time; the reader's own answers marked (`mine`) in their private chat."""
    if meeting.status is not MeetingStatus.POLLING:
        return None
    builder = InlineKeyboardBuilder()
    for number, slot in enumerate(slots, start=1):
        for answer in Answer:
            chosen = mine is not None and mine.get(slot.id) is answer
            text = f"{number}: {ANSWER_WORDS[answer]}"
            builder.button(
                text=f"{ANSWER_MARKS[answer]} {text}" if chosen else text,
                callback_data=SlotAnswer(meeting_id=meeting.id, slot_id=slot.id, answer=answer),
            )
    builder.adjust(3)
    return builder.as_markup()


def answer_saved(number: int, answer: Answer) -> str:
    return _("Tallennettu: aika {number}, {answer}.").format(
        number=number, answer=ANSWER_WORDS[answer]
    )


def poll_closed_notice(
    meeting: Meeting, best: MeetingSlot | None, zone: ZoneInfo, language: str
) -> str:
    """To the group and the invited: the poll has closed, and the time most could come."""
    text = _("Kokousaikakysely on päättynyt: {title}").format(title=esc(meeting.title))
    if best is not None:
        text += "\n" + _("Eniten sopiva aika: {time}").format(
            time=span(best.starts_at, best.ends_at, zone, language)
        )
    return text + "\n" + _("Järjestäjä vahvistaa ajan pian.")


def confirm_question(
    meeting: Meeting, best: MeetingSlot | None, zone: ZoneInfo, language: str
) -> tuple[str, InlineKeyboardMarkup]:
    """To the organiser when the poll closes: confirm the best time, or pick another."""
    text = _("Vastausaika päättyi: {title}").format(title=esc(meeting.title))
    builder = InlineKeyboardBuilder()
    if best is not None:
        text += "\n\n" + _("Eniten sopiva aika on {time}.").format(
            time=span(best.starts_at, best.ends_at, zone, language)
        )
        builder.button(
            text=_("Vahvista tämä aika"),
            callback_data=MeetingButton(
                meeting_id=meeting.id, act=MeetingAct.CONFIRM_TIME, arg=best.id
            ),
        )
    text += "\n\n" + _("Voit myös valita toisen ajan.")
    builder.button(
        text=_("Valitse toinen aika"),
        callback_data=MeetingButton(meeting_id=meeting.id, act=MeetingAct.PICK_TIME),
    )
    builder.adjust(1)
    return text, builder.as_markup()


def pick_time(
    meeting: Meeting, state: PollState, zone: ZoneInfo, language: str
) -> tuple[str, InlineKeyboardMarkup]:
    """Every time, best first, with its yes and if-need-be counts."""
    builder = InlineKeyboardBuilder()
    for slot_id in state.ranked():
        slot = next(s for s in state.slots if s.id == slot_id)
        answers = state.answers.get(slot.id, [])
        label = (
            f"{span(slot.starts_at, slot.ends_at, zone, language)} "
            f"✅{answers.count(Answer.YES)} 🟡{answers.count(Answer.MAYBE)}"
        )
        builder.button(
            text=label,
            callback_data=MeetingButton(
                meeting_id=meeting.id, act=MeetingAct.CONFIRM_TIME, arg=slot.id
            ),
        )
    builder.adjust(1)
    return _("Valitse kokouksen aika. Paras on ylimpänä."), builder.as_markup()
