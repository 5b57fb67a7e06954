"""What people read about reminders: the reminders themselves, the daily digest, /reminders."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy
from aiogram.utils.keyboard import InlineKeyboardBuilder

from storage.people import Table
from storage.reminder_rules import DigestLine, ReminderKind
from storage.reminders import ReminderPreference
from storage.roles import Access
from views.text import esc, moment


class Switch(enum.StrEnum):
    """Kinds a person switches together: the buttons speak of everyday things, not of rows."""

    MEETINGS = "meet"
    POLLS = "poll"
    AGENDA = "agenda"
    STATEMENTS = "stmt"
    MINUTES = "min"
    TERM = "term"


class Quiet(enum.StrEnum):
    NINE_TO_EIGHT = "21-8"
    TEN_TO_SEVEN = "22-7"
    EIGHT_TO_NINE = "20-9"
    ELEVEN_TO_SIX = "23-6"
    OFF = "off"


class OffsetPreset(enum.StrEnum):
    WEEK_DAY_2H = "7d1d2h"
    THREE_DAYS_DAY_2H = "3d1d2h"
    DAY_2H = "1d2h"
    WEEK_DAY = "7d1d"
    TWO_DAYS = "2d"


class RemToggle(CallbackData, prefix="rmk"):
    group: Switch


class RemDigest(CallbackData, prefix="rmd"):
    on: bool


class RemQuietMenu(CallbackData, prefix="rmq"):
    pass


class RemQuiet(CallbackData, prefix="rmh"):
    choice: Quiet


class RemBack(CallbackData, prefix="rmb"):
    pass


class RemTables(CallbackData, prefix="rmt"):
    pass


class RemTableOffsets(CallbackData, prefix="rmo"):
    table_id: int


class RemSetOffsets(CallbackData, prefix="rms"):
    table_id: int
    preset: OffsetPreset


SWITCHED_KINDS: dict[Switch, tuple[ReminderKind, ...]] = {
    Switch.MEETINGS: (ReminderKind.MEETING,),
    Switch.POLLS: (ReminderKind.MEETING_POLL, ReminderKind.VOTE),
    Switch.AGENDA: (ReminderKind.AGENDA_CUTOFF,),
    Switch.STATEMENTS: (ReminderKind.STATEMENT_CITY, ReminderKind.STATEMENT_INTERNAL),
    Switch.MINUTES: (ReminderKind.MINUTES_APPROVAL,),
    Switch.TERM: (ReminderKind.TERM_ENDING,),
}
SWITCH_LABELS: dict[Switch, LazyProxy] = {
    Switch.MEETINGS: __("Kokoukset"),
    Switch.POLLS: __("Kyselyt ja äänestykset"),
    Switch.AGENDA: __("Esityslista"),
    Switch.STATEMENTS: __("Lausunnot"),
    Switch.MINUTES: __("Pöytäkirjan tarkastus"),
    Switch.TERM: __("Toimikauden loppu"),
}
# Only coordinators get term-ending reminders, so only they see that switch.
COORDINATOR_SWITCHES = frozenset({Switch.TERM})
QUIET_HOURS: dict[Quiet, tuple[int | None, int | None]] = {
    Quiet.NINE_TO_EIGHT: (21, 8),
    Quiet.TEN_TO_SEVEN: (22, 7),
    Quiet.EIGHT_TO_NINE: (20, 9),
    Quiet.ELEVEN_TO_SIX: (23, 6),
    Quiet.OFF: (None, None),
}

DAY = 24 * 60
# A table's meeting reminders, in minutes before the meeting; the first is the default.
OFFSET_PRESETS: dict[OffsetPreset, tuple[int, ...]] = {
    OffsetPreset.WEEK_DAY_2H: (7 * DAY, DAY, 120),
    OffsetPreset.THREE_DAYS_DAY_2H: (3 * DAY, DAY, 120),
    OffsetPreset.DAY_2H: (DAY, 120),
    OffsetPreset.WEEK_DAY: (7 * DAY, DAY),
    OffsetPreset.TWO_DAYS: (2 * DAY,),
}

QUIET_QUESTION = __(
    "Valitse hiljainen aika. Silloin et saa muistutuksia, paitsi saman päivän kokouksista."
)
PICK_TABLE = __("Valitse pöytä.")
SAVED = __("Tallennettu.")


# ---- a person's own choices -----------------------------------------------------------------


def switches_for(access: Access) -> list[Switch]:
    return [s for s in Switch if s not in COORDINATOR_SWITCHES or access.is_coordinator]


def is_on(prefs: ReminderPreference, switch: Switch) -> bool:
    return not any(kind.value in (prefs.kinds_off or ()) for kind in SWITCHED_KINDS[switch])


def _hours(start: int, end: int) -> str:
    return _("{start}.00–{end}.00").format(start=f"{start:02d}", end=f"{end:02d}")


def quiet_label(prefs: ReminderPreference) -> str:
    if prefs.quiet_start is None or prefs.quiet_end is None:
        return _("ei käytössä")
    return _hours(prefs.quiet_start, prefs.quiet_end)


def settings_text(prefs: ReminderPreference, access: Access) -> str:
    lines = [
        _("<b>Muistutukset</b>"),
        "",
        _("Paina nappia, niin muistutus menee päälle tai pois."),
        _("✅ = saat muistutuksen. 🔕 = et saa."),
        "",
    ]
    lines += [
        f"{'✅' if is_on(prefs, s) else '🔕'} {SWITCH_LABELS[s]}" for s in switches_for(access)
    ]
    lines.append("")
    if prefs.digest:
        lines.append(
            _("Päivän kooste on päällä. Saat muistutukset kerran päivässä yhtenä viestinä.")
        )
    else:
        lines.append(_("Päivän kooste on pois. Saat jokaisen muistutuksen omana viestinä."))
    lines.append(
        _("Hiljainen aika: {hours}. Silloin saat vain saman päivän kokousmuistutukset.").format(
            hours=quiet_label(prefs)
        )
    )
    return "\n".join(lines)


def settings_keyboard(prefs: ReminderPreference, access: Access) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    switches = switches_for(access)
    for switch in switches:
        mark = "✅" if is_on(prefs, switch) else "🔕"
        builder.button(
            text=f"{mark} {SWITCH_LABELS[switch]}", callback_data=RemToggle(group=switch)
        )
    builder.button(
        text=_("📰 Päivän kooste: päällä") if prefs.digest else _("📰 Päivän kooste: pois"),
        callback_data=RemDigest(on=not prefs.digest),
    )
    builder.button(
        text=_("🌙 Hiljainen aika: {hours}").format(hours=quiet_label(prefs)),
        callback_data=RemQuietMenu(),
    )
    extra = []
    if access.is_coordinator:
        builder.button(text=_("⚙️ Pöydän kokousmuistutukset"), callback_data=RemTables())
        extra.append(1)
    builder.adjust(*([2] * (len(switches) // 2)), *([1] * (len(switches) % 2)), 1, 1, *extra)
    return builder.as_markup()


def switched(switch: Switch, on: bool) -> str:
    """The answer to a switch press."""
    label = SWITCH_LABELS[switch]
    if on:
        return _("{what}: muistutukset päällä.").format(what=label)
    return _("{what}: muistutukset pois.").format(what=label)


def digest_switched(on: bool) -> str:
    return _("Päivän kooste päällä.") if on else _("Päivän kooste pois.")


def quiet_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for choice, (start, end) in QUIET_HOURS.items():
        label = _("Ei hiljaista aikaa") if start is None or end is None else _hours(start, end)
        builder.button(text=label, callback_data=RemQuiet(choice=choice))
    builder.button(text=_("Takaisin"), callback_data=RemBack())
    builder.adjust(2, 2, 1, 1)
    return builder.as_markup()


def quiet_saved(prefs: ReminderPreference) -> str:
    return _("Hiljainen aika: {hours}.").format(hours=quiet_label(prefs))


# ---- when a table's meeting reminders come (coordinators) -----------------------------------


def offsets_label(offsets: tuple[int, ...]) -> str:
    parts = [
        _("{days} pv").format(days=o // DAY)
        if o % DAY == 0
        else _("{hours} h").format(hours=o // 60)
        for o in offsets
    ]
    return _("{times} ennen").format(times=", ".join(parts))


def tables_keyboard(tables: Sequence[Table], language: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for table in tables:
        builder.button(text=table.name(language), callback_data=RemTableOffsets(table_id=table.id))
    builder.button(text=_("Takaisin"), callback_data=RemBack())
    builder.adjust(1)
    return builder.as_markup()


def offsets_text(table: Table, language: str, current: tuple[int, ...]) -> str:
    return _(
        "<b>{table}</b>\nMilloin jäsenet saavat muistutuksen kokouksesta?\nNyt: {current}."
    ).format(table=esc(table.name(language)), current=offsets_label(current))


def offsets_keyboard(table: Table, current: tuple[int, ...]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for preset, offsets in OFFSET_PRESETS.items():
        builder.button(
            text=("✅ " if offsets == current else "") + offsets_label(offsets),
            callback_data=RemSetOffsets(table_id=table.id, preset=preset),
        )
    builder.button(text=_("Takaisin"), callback_data=RemBack())
    builder.adjust(1)
    return builder.as_markup()


# ---- the reminders ----------------------------------------------------------------------------


def _headline(kind: ReminderKind) -> str:
    headlines = {
        ReminderKind.MEETING: _("🔔 Muistutus: sinulla on kokous."),
        ReminderKind.MEETING_POLL: _("🔔 Et ole vielä vastannut kokousaikakyselyyn."),
        ReminderKind.VOTE: _("🔔 Et ole vielä äänestänyt."),
        ReminderKind.AGENDA_CUTOFF: _("🔔 Esityslistan asiat pitää lähettää pian."),
        ReminderKind.STATEMENT_CITY: _("🔔 Lausunnon määräaika lähestyy."),
        ReminderKind.STATEMENT_INTERNAL: _("🔔 Lausuntoluonnoksen oma määräaika lähestyy."),
        ReminderKind.MINUTES_APPROVAL: _("🔔 Pöytäkirja odottaa tarkastusta."),
        ReminderKind.TERM_ENDING: _("🔔 Toimikausi päättyy pian."),
    }
    return headlines[kind]


def _when_line(kind: ReminderKind, when: str) -> str:
    lines = {
        ReminderKind.MEETING: _("Kokous alkaa {when}."),
        ReminderKind.MEETING_POLL: _("Vastausaika päättyy {when}."),
        ReminderKind.VOTE: _("Äänestys päättyy {when}."),
        ReminderKind.AGENDA_CUTOFF: _("Lähetä asiat viimeistään {when}."),
        ReminderKind.STATEMENT_CITY: _("Kaupunki tarvitsee lausunnon viimeistään {when}."),
        ReminderKind.STATEMENT_INTERNAL: _("Luonnoksen pitää olla valmis {when}."),
        ReminderKind.MINUTES_APPROVAL: _("Tarkasta pöytäkirja viimeistään {when}."),
        ReminderKind.TERM_ENDING: _("Toimikausi päättyy {when}."),
    }
    return lines[kind].format(when=when)


def reminder_text(
    kind: ReminderKind, title: str, anchor: datetime, zone: ZoneInfo, language: str
) -> str:
    """One reminder as a person reads it; `title` is escaped here."""
    return "\n".join(
        (
            _headline(kind),
            f"<b>{esc(title)}</b>",
            _when_line(kind, moment(anchor, zone, language)),
            "",
            _("Voit muuttaa muistutuksia komennolla /muistutukset."),
        )
    )


def digest_text(lines: Sequence[DigestLine], language: str) -> str:
    """The day's reminders in one message, each in its table's local time."""
    return "\n".join(
        (
            _("🔔 Päivän muistutukset:"),
            "",
            *(
                f"• <b>{esc(line.title)}</b>: "
                + _when_line(line.kind, moment(line.anchor, ZoneInfo(line.zone), language))
                for line in lines
            ),
            "",
            _("Voit muuttaa muistutuksia komennolla /muistutukset."),
        )
    )
