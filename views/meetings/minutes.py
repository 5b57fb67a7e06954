"""Attendance, choosing the checkers, asking them to approve, and the published minutes."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from storage.meetings import Meeting, Participant
from storage.people import Person
from views.callbacks import Cancel, Form
from views.meetings.buttons import MeetingAct, MeetingButton, PersonAct, PersonButton
from views.text import esc


def attendance_view(
    meeting: Meeting, rows: list[tuple[Participant, Person]]
) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    for row, person in rows:
        mark = "✅" if row.attended else "▫️"
        builder.button(
            text=f"{mark} {person.full_name}"[:60],
            callback_data=PersonButton(
                meeting_id=meeting.id, person_id=person.id, act=PersonAct.ATTENDED
            ),
        )
    builder.button(
        text=_("Valmis"),
        callback_data=MeetingButton(meeting_id=meeting.id, act=MeetingAct.ATTENDANCE_DONE),
    )
    builder.adjust(2)
    present = sum(1 for row, _p in rows if row.attended)
    text = _(
        "✅ <b>Läsnä: {title}</b>\nPaina niitä, jotka ovat paikalla. Läsnä nyt: {present}/{total}"
    ).format(title=esc(meeting.title), present=present, total=len(rows))
    return text, builder.as_markup()


def attendance_saved(present: list[Person]) -> str:
    names = ", ".join(esc(p.full_name) for p in present) or "–"
    return _("Läsnäolijat on tallennettu: {names}").format(names=names)


def ask_minutes() -> str:
    return _(
        "Lähetä muistio tiedostona, tai kirjoita se tähän viestiin. Kirjoita mukaan päätökset."
    )


def checkers_view(
    meeting_id: int, people: list[Person], chosen: list[int]
) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    for person in people:
        mark = "☑️" if person.id in chosen else "▫️"
        builder.button(
            text=f"{mark} {person.full_name}"[:60],
            callback_data=PersonButton(
                meeting_id=meeting_id, person_id=person.id, act=PersonAct.CHECKER
            ),
        )
    builder.button(
        text=_("Valmis") if chosen else _("Ei tarkastajia"),
        callback_data=MeetingButton(meeting_id=meeting_id, act=MeetingAct.CHECKERS_DONE),
    )
    builder.button(text=_("Peru"), callback_data=Cancel(form=Form.MINUTES))
    builder.adjust(2)
    text = _(
        "Valitse kaksi pöytäkirjantarkastajaa. He hyväksyvät muistion ennen "
        "julkaisua.\nJos tarkastajia ei tarvita, paina Ei tarkastajia."
    )
    return text, builder.as_markup()


def check_request(meeting: Meeting, *, with_text: bool) -> tuple[str, InlineKeyboardMarkup]:
    """To each checker: read the minutes (the text here, or the file it comes with), approve."""
    text = _(
        "📝 Sinut on valittu pöytäkirjantarkastajaksi: {title}\n\n"
        "Lue muistio. Jos se on kunnossa, paina Hyväksyn muistion."
    ).format(title=esc(meeting.title))
    if with_text:
        text += "\n\n" + esc(meeting.minutes_text or "")
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Hyväksyn muistion"),
        callback_data=MeetingButton(meeting_id=meeting.id, act=MeetingAct.APPROVE_MINUTES),
    )
    return text, builder.as_markup()


def minutes_published(meeting: Meeting, *, with_text: bool) -> str:
    """The announcement; the minutes' own text follows unless they come as a file."""
    text = _("📄 Muistio on julkaistu: {title}").format(title=esc(meeting.title))
    if with_text:
        text += "\n\n" + esc(meeting.minutes_text or "")
    return text


def minutes_heading(meeting: Meeting) -> str:
    """Above the minutes when someone opens them from the meeting."""
    return _("📄 <b>Muistio: {title}</b>").format(title=esc(meeting.title))
