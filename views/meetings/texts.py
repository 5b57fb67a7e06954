"""Words every meeting view shares: kinds, answers, times, headings, and the plain refusals."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy
from aiogram.utils.keyboard import InlineKeyboardBuilder

from storage.meeting_rules import (
    MAX_YEARS_AHEAD,
    Answer,
    DeadlineProblem,
    MeetingKind,
    Rsvp,
    TextProblem,
    TimeProblem,
)
from storage.meetings import Meeting, MeetingStatus
from storage.people import Table
from views.callbacks import Cancel, Form, Skip
from views.text import clock_time, day, esc, moment

# A meeting of another table, or a joint meeting this person is not invited to.
NOT_YOURS = __("Tämä kokous ei koske sinua. Vain pöydän jäsenet voivat vastata.")
NOTHING_SAVED = __("Peruttu. Mitään ei tallennettu.")

KIND_NAMES: dict[MeetingKind, LazyProxy] = {
    MeetingKind.REGULAR: __("Kokous"),
    MeetingKind.PLANNING: __("Suunnittelu tai työpaja"),
    MeetingKind.CHAIRS: __("Puheenjohtajien yhteinen kokous"),
    MeetingKind.RESIDENT_EVENT: __("Asukastilaisuus, esim. Kerro Pois!"),
}
ANSWER_WORDS: dict[Answer, LazyProxy] = {
    Answer.YES: __("Sopii"),
    Answer.MAYBE: __("Tarvittaessa"),
    Answer.NO: __("Ei sovi"),
}
ANSWER_MARKS = {Answer.YES: "✅", Answer.MAYBE: "🟡", Answer.NO: "❌"}
RSVP_WORDS: dict[Rsvp, LazyProxy] = {
    Rsvp.COMING: __("Tulen"),
    Rsvp.NOT_COMING: __("En tule"),
    Rsvp.MAYBE: __("Ehkä"),
}


def span(starts_at: datetime, ends_at: datetime, zone: ZoneInfo, language: str) -> str:
    """`ti 14.1.2026 klo 17.00–19.00`."""
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    return _("{day} klo {start}–{end}").format(
        day=day(start.date(), language), start=clock_time(start), end=clock_time(end)
    )


def table_name(table: Table | None, language: str) -> str:
    return table.name(language) if table else _("Kaikki pöydät")


def meeting_heading(meeting: Meeting, table: Table | None, zone: ZoneInfo, language: str) -> str:
    lines = [
        f"<b>{esc(meeting.title)}</b>",
        f"{esc(table_name(table, language))} · {KIND_NAMES[meeting.kind]}",
    ]
    if meeting.status is MeetingStatus.CANCELLED:
        lines.append(_("Kokous on peruttu."))
    elif meeting.starts_at and meeting.ends_at:
        lines.append(
            _("Aika: {time}").format(time=span(meeting.starts_at, meeting.ends_at, zone, language))
        )
    elif meeting.status is MeetingStatus.POLLING and meeting.poll_deadline_at:
        lines.append(
            _("Aikaa kysytään. Vastausaika päättyy {deadline}.").format(
                deadline=moment(meeting.poll_deadline_at, zone, language)
            )
        )
    else:
        lines.append(_("Vastausaika on päättynyt. Järjestäjä vahvistaa ajan pian."))
    if meeting.place:
        lines.append(_("Paikka: {place}").format(place=esc(meeting.place)))
    return "\n".join(lines)


def cancel_keyboard(form: Form, *, skip: bool = False) -> InlineKeyboardMarkup:
    """Peru (and Ohita, when the step may be left out) under a form's question."""
    builder = InlineKeyboardBuilder()
    if skip:
        builder.button(text=_("Ohita"), callback_data=Skip(form=form))
    builder.button(text=_("Peru"), callback_data=Cancel(form=form))
    builder.adjust(2)
    return builder.as_markup()


def time_problem_text(problem: TimeProblem) -> str:
    return {
        TimeProblem.FORMAT: _(
            "En ymmärtänyt aikaa. Kirjoita esimerkiksi 14.1. 17-19 tai ti 14.1.2026 klo 17.00."
        ),
        TimeProblem.IMPOSSIBLE: _(
            "Tätä päivää tai kellonaikaa ei ole. Tarkista ja kirjoita uudelleen."
        ),
        TimeProblem.WEEKDAY: _("Viikonpäivä ei sovi päivämäärään. Tarkista päivä."),
        TimeProblem.END_BEFORE_START: _("Loppuaika on ennen alkuaikaa. Tarkista kellonajat."),
        TimeProblem.PAST: _("Päivä on jo mennyt. Valitse tuleva päivä."),
        TimeProblem.TOO_FAR: _(
            "Päivä on liian kaukana. Valitse päivä, joka on enintään {years} vuoden päästä."
        ).format(years=MAX_YEARS_AHEAD),
    }[problem]


def text_problem_text(problem: TextProblem, limit: int, *, what: str) -> str:
    if problem is TextProblem.EMPTY:
        return {
            "title": _("Nimi puuttuu. Kirjoita kokoukselle nimi."),
            "place": _("Paikka puuttuu. Kirjoita paikka tai verkkolinkki."),
        }.get(what, _("Teksti puuttuu. Kirjoita teksti."))
    return _("Teksti on liian pitkä. Kirjoita enintään {limit} merkkiä.").format(limit=limit)


def deadline_problem_text(problem: DeadlineProblem) -> str:
    if problem is DeadlineProblem.PAST:
        return _("Päivä on jo mennyt. Valitse tuleva päivä.")
    return _(
        "Vastausajan pitää päättyä ennen ensimmäistä aikavaihtoehtoa. Valitse aikaisempi päivä."
    )
