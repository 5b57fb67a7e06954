"""The new-poll form, step by step: table, title, kind, place, times, deadline, summary."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from storage.meeting_rules import MeetingKind, Slot
from storage.people import Table
from views.callbacks import Cancel, Form
from views.meetings.buttons import JOINT, NewPollButton, NewStep
from views.meetings.texts import KIND_NAMES, cancel_keyboard, span
from views.text import day, esc, moment

PICKER_DAYS = 14
PICKER_HOURS = range(8, 22)
CHOOSABLE_KINDS = (MeetingKind.REGULAR, MeetingKind.PLANNING, MeetingKind.RESIDENT_EVENT)


def _cancel_row(builder: InlineKeyboardBuilder) -> None:
    """Peru as the last button of a step's own keyboard."""
    builder.button(text=_("Peru"), callback_data=Cancel(form=Form.MEETING))


def cancel_only() -> InlineKeyboardMarkup:
    return cancel_keyboard(Form.MEETING)


def choose_table(
    tables: list[Table], *, joint: bool, language: str
) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    for table in tables:
        builder.button(
            text=table.name(language),
            callback_data=NewPollButton(step=NewStep.TABLE, value=str(table.id)),
        )
    if joint:
        builder.button(
            text=str(KIND_NAMES[MeetingKind.CHAIRS]),
            callback_data=NewPollButton(step=NewStep.TABLE, value=str(JOINT)),
        )
    _cancel_row(builder)
    builder.adjust(1)
    return _("Uusi kokousaikakysely.\n\nMinkä pöydän kokous?"), builder.as_markup()


def ask_title() -> str:
    return _("Kirjoita kokouksen nimi.\nEsimerkki: Syyskauden kokous")


def choose_kind() -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    for kind in CHOOSABLE_KINDS:
        builder.button(
            text=str(KIND_NAMES[kind]),
            callback_data=NewPollButton(step=NewStep.KIND, value=kind.value),
        )
    _cancel_row(builder)
    builder.adjust(1)
    return _("Millainen kokous on?"), builder.as_markup()


def ask_place() -> str:
    return _("Missä kokous on? Kirjoita paikka tai verkkolinkki.")


def times_list(slots: list[Slot], zone: ZoneInfo, language: str) -> str:
    if not slots:
        return _("Aikoja ei ole vielä lisätty.")
    return "\n".join(
        f"{n}. {span(s.starts_at, s.ends_at, zone, language)}"
        for n, s in enumerate(slots, start=1)
    )


def times_view(
    slots: list[Slot], today: date, offset: int, zone: ZoneInfo, language: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The times so far, and a page of days to pick from (or type times)."""
    text = (
        _(
            "Lisää 2–20 aikavaihtoehtoa.\n\nKirjoita aika, esimerkiksi "
            "<code>14.1. 17-19</code> tai <code>ti 14.1.2026 klo 17.00</code>. "
            "Voit kirjoittaa monta aikaa, yksi kullekin riville.\n"
            "Tai valitse päivä napista."
        )
        + "\n\n"
        + _("Ajat nyt:")
        + "\n"
        + times_list(slots, zone, language)
    )
    builder = InlineKeyboardBuilder()
    for number in range(PICKER_DAYS):
        value = today + timedelta(days=offset + number)
        builder.button(
            text=day(value, language),
            callback_data=NewPollButton(step=NewStep.DAY, value=value.isoformat()),
        )
    sizes = [3] * (PICKER_DAYS // 3) + ([PICKER_DAYS % 3] if PICKER_DAYS % 3 else [])
    if offset > 0:
        builder.button(
            text=_("◀ Aiemmat"),
            callback_data=NewPollButton(step=NewStep.DAYS, value=str(offset - PICKER_DAYS)),
        )
    builder.button(
        text=_("Myöhemmät ▶"),
        callback_data=NewPollButton(step=NewStep.DAYS, value=str(offset + PICKER_DAYS)),
    )
    sizes.append(2 if offset > 0 else 1)
    builder.button(text=_("Valmis"), callback_data=NewPollButton(step=NewStep.TIMES_DONE))
    _cancel_row(builder)
    sizes.append(2)
    builder.adjust(*sizes)
    return text, builder.as_markup()


def choose_hour(chosen: date, language: str) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    for hour in PICKER_HOURS:
        builder.button(
            text=f"{hour:02d}.00",
            callback_data=NewPollButton(
                step=NewStep.HOUR, value=f"{chosen.isoformat()}T{hour:02d}"
            ),
        )
    builder.button(text=_("Takaisin"), callback_data=NewPollButton(step=NewStep.DAYS, value="0"))
    _cancel_row(builder)
    builder.adjust(*([4] * (len(PICKER_HOURS) // 4)), len(PICKER_HOURS) % 4 or 4, 2)
    text = _("{day}: mihin aikaan kokous alkaa? Kokous kestää 2 tuntia.").format(
        day=day(chosen, language)
    )
    return text, builder.as_markup()


def too_many_times(count: int) -> str:
    return _("Voit lisätä enintään 20 aikaa. Nyt aikoja olisi {count}.").format(count=count)


def choose_deadline(
    options: list[datetime], zone: ZoneInfo, language: str
) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    for option in options:
        builder.button(
            text=moment(option, zone, language),
            callback_data=NewPollButton(
                step=NewStep.DEADLINE, value=option.strftime("%Y%m%dT%H%M")
            ),
        )
    _cancel_row(builder)
    builder.adjust(1)
    text = _(
        "Milloin vastausaika päättyy? Sen jälkeen vastauksia ei voi enää muuttaa.\n\n"
        "Kirjoita päivä ja aika, esimerkiksi <code>10.1. 16</code>, "
        "tai valitse napista."
    )
    return text, builder.as_markup()


def summary(
    *,
    title: str,
    kind: MeetingKind,
    place: str,
    deadline: datetime,
    slots: list[Slot],
    zone: ZoneInfo,
    language: str,
) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "Tarkista kysely:\n\n<b>{title}</b>\n{kind}\nPaikka: {place}\n"
        "Vastausaika päättyy {deadline}.\n\nAjat:\n{times}"
    ).format(
        title=esc(title),
        kind=KIND_NAMES[kind],
        place=esc(place),
        deadline=moment(deadline, zone, language),
        times=times_list(slots, zone, language),
    )
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Lähetä kysely"), callback_data=NewPollButton(step=NewStep.SEND))
    _cancel_row(builder)
    builder.adjust(1)
    return text, builder.as_markup()


def poll_sent(people: int, *, in_group: bool) -> str:
    text = _("Kysely on lähetetty {count} jäsenelle.").format(count=people)
    if in_group:
        text += " " + _("Se näkyy myös pöydän ryhmässä.")
    return text + "\n" + _("Näet vastaukset komennolla /kokoukset.")
