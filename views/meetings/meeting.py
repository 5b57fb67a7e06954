"""A meeting as its people see it: the list, one meeting's card, the invitation and RSVP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from storage.meeting_rules import Rsvp
from storage.meetings import Meeting, MeetingStatus, MinutesStatus
from storage.people import Person, Table
from views.callbacks import Cancel, Form, Menu, MenuItem
from views.meetings.buttons import (
    MeetingAct,
    MeetingButton,
    NewPollButton,
    NewStep,
    OpenMeeting,
    RsvpAnswer,
)
from views.meetings.texts import RSVP_WORDS, cancel_keyboard, meeting_heading, span
from views.pages import PageNumber, add_page_buttons, page_of
from views.text import esc, moment, plain_text


class MeetingsPage(CallbackData, prefix="ml"):
    """A page of /kokoukset."""

    page: PageNumber


def meeting_list(
    upcoming: list[Meeting],
    past: list[Meeting],
    *,
    page_number: int = 0,
    may_create: bool,
    zone: ZoneInfo,
    language: str,
) -> tuple[str, InlineKeyboardMarkup]:
    """Upcoming meetings first, then past ones, a page at a time; a new poll for organisers."""
    builder = InlineKeyboardBuilder()
    if may_create:
        builder.button(
            text=_("➕ Uusi kokousaikakysely"), callback_data=NewPollButton(step=NewStep.START)
        )
    page = page_of(upcoming + past, page_number)
    for meeting in page.items:
        when = (
            span(meeting.starts_at, meeting.ends_at, zone, language)
            if meeting.starts_at and meeting.ends_at
            else _("aika avoinna")
        )
        mark = "❌ " if meeting.status is MeetingStatus.CANCELLED else ""
        builder.button(
            text=f"{mark}{meeting.title[:40]} · {when}"[:60],
            callback_data=OpenMeeting(meeting_id=meeting.id),
        )
    builder.adjust(1)
    add_page_buttons(builder, page, lambda number: MeetingsPage(page=number))
    if not upcoming and not past:
        text = _("Kokouksia ei ole vielä.")
    else:
        text = _("Kokoukset: tulevat ensin, sitten menneet.\nValitse kokous.")
        if page.label:
            text += "\n" + page.label
    return text, builder.as_markup()


def no_meetings_for_outsiders() -> str:
    return _(
        "Kokoukset näkyvät vain pöydän jäsenille.\n"
        "Jos olet jäsen, pyydä koordinaattorilta kutsulinkki."
    )


@dataclass(frozen=True)
class Card:
    """What one meeting's card shows; gathered by the handler, rendered here."""

    meeting: Meeting
    table: Table | None
    organiser: bool  # may organise this meeting: sees who is missing, and the tools
    upcoming: bool  # not cancelled and not yet over
    rsvps: dict[Rsvp, int]
    not_answered: list[Person]  # the RSVP when scheduled, else the time poll
    answered: int  # how many answered the time poll
    invited: int
    items: int  # accepted agenda items


def meeting_card(card: Card, zone: ZoneInfo, language: str) -> tuple[str, InlineKeyboardMarkup]:
    meeting = card.meeting
    lines = [meeting_heading(meeting, card.table, zone, language)]
    names = ", ".join(esc(p.full_name) for p in card.not_answered)
    if meeting.status is MeetingStatus.SCHEDULED:
        lines.append(
            _(
                "Tulossa: {coming} · Ei tule: {not_coming} · Ehkä: {maybe} · "
                "Ei vastannut: {missing}"
            ).format(
                coming=card.rsvps.get(Rsvp.COMING, 0),
                not_coming=card.rsvps.get(Rsvp.NOT_COMING, 0),
                maybe=card.rsvps.get(Rsvp.MAYBE, 0),
                missing=len(card.not_answered),
            )
        )
        if card.organiser and names:
            lines.append(_("Ei vielä vastannut: {names}").format(names=names))
    if meeting.status in (MeetingStatus.POLLING, MeetingStatus.CLOSED):
        lines.append(
            _("Kyselyyn vastanneita: {answered}/{invited}").format(
                answered=card.answered, invited=card.invited
            )
        )
        if card.organiser and names:
            lines.append(_("Ei vielä vastannut: {names}").format(names=names))
    if meeting.agenda_cutoff_at:
        lines.append(
            _("Asioita voi ehdottaa {cutoff} asti.").format(
                cutoff=moment(meeting.agenda_cutoff_at, zone, language)
            )
        )
    if card.items:
        lines.append(_("Esityslistalla {count} asiaa.").format(count=card.items))
    if meeting.minutes_status is MinutesStatus.PUBLISHED:
        lines.append(_("Muistio on julkaistu."))
    elif meeting.minutes_status is MinutesStatus.CHECKING and card.organiser:
        lines.append(_("Muistio odottaa tarkastajia."))
    return "\n".join(lines), _card_keyboard(card)


def _card_keyboard(card: Card) -> InlineKeyboardMarkup:
    meeting = card.meeting
    builder = InlineKeyboardBuilder()

    def act(text: str, what: MeetingAct) -> None:
        builder.button(text=text, callback_data=MeetingButton(meeting_id=meeting.id, act=what))

    active = meeting.status is not MeetingStatus.CANCELLED
    scheduled = meeting.status is MeetingStatus.SCHEDULED
    if scheduled and card.upcoming:
        for answer in Rsvp:
            builder.button(
                text=str(RSVP_WORDS[answer]),
                callback_data=RsvpAnswer(meeting_id=meeting.id, answer=answer),
            )
    act(_("📋 Esityslista"), MeetingAct.SHOW_AGENDA)
    if card.upcoming:
        act(_("✍️ Ehdota asiaa"), MeetingAct.PROPOSE)
    if meeting.minutes_status is MinutesStatus.PUBLISHED:
        act(_("📄 Muistio"), MeetingAct.SHOW_MINUTES)
    if card.organiser and active:
        if meeting.status is MeetingStatus.POLLING:
            act(_("Sulje kysely nyt"), MeetingAct.CLOSE_POLL)
        if meeting.status is MeetingStatus.CLOSED:
            act(_("Vahvista aika"), MeetingAct.PICK_TIME)
        act(_("🗂 Käsittele esityslista"), MeetingAct.ORGANISE_AGENDA)
        act(_("⏰ Ehdotusten takaraja"), MeetingAct.SET_CUTOFF)
        if scheduled:
            act(_("✅ Läsnäolijat"), MeetingAct.ATTENDANCE)
            act(_("📝 Lisää muistio"), MeetingAct.ADD_MINUTES)
            if card.upcoming:
                act(_("Siirrä kokous"), MeetingAct.MOVE)
                act(_("Peru kokous"), MeetingAct.CANCEL)
    builder.button(text=_("Takaisin"), callback_data=MenuItem(item=Menu.MEETINGS))
    builder.adjust(*([3] if scheduled and card.upcoming else []), 2)
    return builder.as_markup()


# ---- the invitation ------------------------------------------------------------------------


def rsvp_keyboard(meeting_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for answer in Rsvp:
        builder.button(
            text=str(RSVP_WORDS[answer]),
            callback_data=RsvpAnswer(meeting_id=meeting_id, answer=answer),
        )
    builder.adjust(3)
    return builder.as_markup()


def invitation_text(
    meeting: Meeting, table: Table | None, zone: ZoneInfo, language: str, *, moved: bool = False
) -> str:
    if meeting.status is MeetingStatus.CANCELLED:
        intro = _("❗ Kokous on peruttu.")
    elif moved:
        intro = _("❗ Kokouksen aika on muuttunut.")
    else:
        intro = _("📅 Kutsu kokoukseen.")
    text = intro + "\n\n" + meeting_heading(meeting, table, zone, language)
    if meeting.status is not MeetingStatus.CANCELLED:
        text += "\n\n" + _("Tuletko? Vastaa napilla. Liitteenä on kalenterikutsu.")
    return text


def invitation_subject(meeting: Meeting) -> str:
    return _("Kokouskutsu: {title}").format(title=meeting.title)[:200]


def invitation_mail_body(
    meeting: Meeting, table: Table | None, zone: ZoneInfo, language: str, *, moved: bool
) -> str:
    return plain_text(invitation_text(meeting, table, zone, language, moved=moved))


def rsvp_saved(answer: Rsvp) -> str:
    return _("Kiitos! Vastauksesi: {answer}.").format(answer=RSVP_WORDS[answer])


# ---- confirming, moving, cancelling (to the organiser) ---------------------------------------


def time_confirmed(starts_at: datetime, ends_at: datetime, zone: ZoneInfo, language: str) -> str:
    return _("Aika on vahvistettu: {time}\nKutsu lähtee kaikille.").format(
        time=span(starts_at, ends_at, zone, language)
    )


def ask_new_time() -> tuple[str, InlineKeyboardMarkup]:
    text = _("Kirjoita uusi aika, esimerkiksi <code>14.1. 17-19</code>.")
    return text, cancel_keyboard(Form.MEETING)


def moved(starts_at: datetime, ends_at: datetime, zone: ZoneInfo, language: str) -> str:
    return _("Kokous on siirretty: {time}\nKaikki saavat uuden kutsun.").format(
        time=span(starts_at, ends_at, zone, language)
    )


def ask_cancel(meeting_id: int) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Kyllä, peru kokous"),
        callback_data=MeetingButton(meeting_id=meeting_id, act=MeetingAct.CANCEL_CONFIRMED),
    )
    builder.button(text=_("Ei"), callback_data=Cancel(form=Form.MEETING))
    return _("Haluatko varmasti perua kokouksen? Kaikki saavat tiedon."), builder.as_markup()
