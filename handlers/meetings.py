"""Meetings: /meetings to browse, answering the time poll, confirming, RSVP, move and cancel."""

from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.filters import IsKnown
from handlers.meeting_poll import time_problem_text
from handlers.meeting_views import (
    ANSWER_WORDS,
    RSVP_WORDS,
    ActCb,
    NewCb,
    OpenCb,
    RsvpCb,
    VoteCb,
    agenda_text,
    invitation_text,
    load,
    may_organise,
    may_see,
    meeting_heading,
    not_yours,
    rsvp_keyboard,
    send_to_meeting,
    show_minutes,
    span,
    stale,
)
from handlers.routing import command
from scheduler.meetings import after_close
from storage.announcements import Channel
from storage.announcements import preferences as contact_preferences
from storage.ics import Invitation, invitation_ics, meeting_uid
from storage.meeting_rules import Answer, Rsvp, TimeProblem, missing, parse_time
from storage.meetings import (
    ItemStatus,
    Meeting,
    MeetingSlot,
    MeetingStatus,
    MinutesStatus,
    VoteOutcome,
    agenda,
    cancel,
    close_poll_now,
    confirm_slot,
    meetings_for,
    move,
    participants,
    poll_state,
    set_rsvp,
    slots_of,
    vote,
)
from storage.outbox import OutboxKind, StoredFile, enqueue_email
from storage.people import Table, tables_in_order
from storage.roles import Access
from views.callbacks import Cancel, Form, Menu, MenuItem
from views.language import reader_language
from views.text import esc, moment, plain_text, split_text

router = Router(name="meetings")
router.message.filter(IsKnown())
router.callback_query.filter(IsKnown())

LIST_LIMIT = 15


class MoveMeeting(StatesGroup):
    time = State()


# ---- browsing -------------------------------------------------------------------------------


@router.message(F.chat.type == "private", command("meetings"))
async def meetings_command(
    message: Message,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    state: FSMContext,
) -> None:
    await state.clear()
    text, keyboard = await meetings_list(access, session, settings, clock, i18n.current_locale)
    await message.answer(text, reply_markup=keyboard)


@router.callback_query(MenuItem.filter(F.item == Menu.MEETINGS))
async def meetings_button(
    query: CallbackQuery,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        text, keyboard = await meetings_list(access, session, settings, clock, i18n.current_locale)
        await query.message.answer(text, reply_markup=keyboard)


async def meetings_list(
    access: Access, session: AsyncSession, settings: Settings, clock: Clock, language: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    table_ids = [t.id for t in await tables_in_order(session)]
    own = access.own_tables(table_ids)
    rows = await meetings_for(session, own, include_joint=access.is_lead or access.is_chair)
    visible = [m for m in rows if await may_see(session, access, m)]
    now = clock.now()
    builder = InlineKeyboardBuilder()
    if access.led_tables(table_ids) or access.is_lead:
        builder.button(text=_("➕ Uusi kokousaikakysely"), callback_data=NewCb(do="start"))
    if not own and not access.is_lead:
        return _(
            "Kokoukset näkyvät vain pöydän jäsenille.\n"
            "Jos olet jäsen, pyydä koordinaattorilta kutsulinkki."
        ), None
    upcoming = [
        m
        for m in visible
        if m.status in (MeetingStatus.POLLING, MeetingStatus.CLOSED)
        or (m.status is MeetingStatus.SCHEDULED and m.ends_at and m.ends_at >= now)
    ]
    past = [m for m in visible if m not in upcoming]
    upcoming.sort(key=lambda m: m.starts_at or m.poll_deadline_at or m.created_at)
    past.sort(key=lambda m: m.starts_at or m.created_at, reverse=True)
    zone = settings.zone
    for meeting in (upcoming + past)[:LIST_LIMIT]:
        when = (
            span(meeting.starts_at, meeting.ends_at, zone, language)
            if meeting.starts_at and meeting.ends_at
            else _("aika avoinna")
        )
        mark = "❌ " if meeting.status is MeetingStatus.CANCELLED else ""
        builder.button(
            text=f"{mark}{meeting.title[:40]} · {when}"[:60], callback_data=OpenCb(m=meeting.id)
        )
    builder.adjust(1)
    if not visible:
        text = _("Kokouksia ei ole vielä.")
    else:
        text = _("Kokoukset: tulevat ensin, sitten menneet.\nValitse kokous.")
    return text, builder.as_markup()


async def meeting_view(
    meeting: Meeting,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    language: str,
) -> tuple[str, InlineKeyboardMarkup]:
    zone = settings.zone
    now = clock.now()
    table = await session.get(Table, meeting.table_id) if meeting.table_id else None
    lines = [meeting_heading(meeting, table, zone, language)]
    people = await participants(session, meeting.id)
    organiser = may_organise(access, meeting)
    if meeting.status is MeetingStatus.SCHEDULED:
        counts = {answer: sum(1 for row, _p in people if row.rsvp is answer) for answer in Rsvp}
        unanswered = [p for row, p in people if row.rsvp is None]
        lines.append(
            _(
                "Tulossa: {coming} · Ei tule: {not_coming} · Ehkä: {maybe} · "
                "Ei vastannut: {missing}"
            ).format(
                coming=counts[Rsvp.COMING],
                not_coming=counts[Rsvp.NOT_COMING],
                maybe=counts[Rsvp.MAYBE],
                missing=len(unanswered),
            )
        )
        if organiser and unanswered:
            lines.append(
                _("Ei vielä vastannut: {names}").format(
                    names=", ".join(esc(p.full_name) for p in unanswered)
                )
            )
    if meeting.status in (MeetingStatus.POLLING, MeetingStatus.CLOSED):
        state = await poll_state(session, meeting.id)
        lines.append(
            _("Kyselyyn vastanneita: {answered}/{invited}").format(
                answered=len(state.by_person), invited=len(people)
            )
        )
        if organiser:
            not_answered = missing([row.person_id for row, _p in people], state.by_person)
            names = [esc(p.full_name) for row, p in people if row.person_id in not_answered]
            if names:
                lines.append(_("Ei vielä vastannut: {names}").format(names=", ".join(names)))
    if meeting.agenda_cutoff_at:
        lines.append(
            _("Asioita voi ehdottaa {cutoff} asti.").format(
                cutoff=moment(meeting.agenda_cutoff_at, zone, language)
            )
        )
    items = await agenda(session, meeting.id)
    if items:
        lines.append(_("Esityslistalla {count} asiaa.").format(count=len(items)))
    if meeting.minutes_status is MinutesStatus.PUBLISHED:
        lines.append(_("Muistio on julkaistu."))
    elif meeting.minutes_status is MinutesStatus.CHECKING and organiser:
        lines.append(_("Muistio odottaa tarkastajia."))
    builder = InlineKeyboardBuilder()
    m = meeting.id
    active = meeting.status is not MeetingStatus.CANCELLED
    upcoming = active and (meeting.ends_at is None or meeting.ends_at >= now)
    if meeting.status is MeetingStatus.SCHEDULED and upcoming:
        for answer in Rsvp:
            builder.button(text=str(RSVP_WORDS[answer]), callback_data=RsvpCb(m=m, a=answer.value))
    builder.button(text=_("📋 Esityslista"), callback_data=ActCb(m=m, do="agenda"))
    if upcoming:
        builder.button(text=_("✍️ Ehdota asiaa"), callback_data=ActCb(m=m, do="propose"))
    if meeting.minutes_status is MinutesStatus.PUBLISHED:
        builder.button(text=_("📄 Muistio"), callback_data=ActCb(m=m, do="minutes_show"))
    if organiser and active:
        if meeting.status is MeetingStatus.POLLING:
            builder.button(text=_("Sulje kysely nyt"), callback_data=ActCb(m=m, do="close"))
        if meeting.status is MeetingStatus.CLOSED:
            builder.button(text=_("Vahvista aika"), callback_data=ActCb(m=m, do="pick"))
        builder.button(text=_("🗂 Käsittele esityslista"), callback_data=ActCb(m=m, do="edit"))
        builder.button(text=_("⏰ Ehdotusten takaraja"), callback_data=ActCb(m=m, do="cutoff"))
        if meeting.status is MeetingStatus.SCHEDULED:
            builder.button(text=_("✅ Läsnäolijat"), callback_data=ActCb(m=m, do="attend"))
            builder.button(text=_("📝 Lisää muistio"), callback_data=ActCb(m=m, do="minutes"))
            if upcoming:
                builder.button(text=_("Siirrä kokous"), callback_data=ActCb(m=m, do="move"))
                builder.button(text=_("Peru kokous"), callback_data=ActCb(m=m, do="cancel"))
    builder.button(text=_("Takaisin"), callback_data=MenuItem(item=Menu.MEETINGS))
    builder.adjust(*([3] if meeting.status is MeetingStatus.SCHEDULED and upcoming else []), 2)
    return "\n".join(lines), builder.as_markup()


@router.callback_query(OpenCb.filter())
async def open_meeting(
    query: CallbackQuery,
    callback_data: OpenCb,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    meeting = await load(query, session, access, callback_data.m)
    if meeting is None:
        return
    await query.answer()
    if isinstance(query.message, Message):
        text, keyboard = await meeting_view(
            meeting, access, session, settings, clock, i18n.current_locale
        )
        await query.message.answer(text, reply_markup=keyboard)


# ---- answering the poll ---------------------------------------------------------------------


@router.callback_query(VoteCb.filter())
async def vote_pressed(
    query: CallbackQuery,
    callback_data: VoteCb,
    access: Access,
    session: AsyncSession,
    clock: Clock,
) -> None:
    meeting = await session.get(Meeting, callback_data.m)
    answer = Answer(callback_data.a) if callback_data.a in set(Answer) else None
    if meeting is None or answer is None or access.person_id is None:
        await query.answer(stale(), show_alert=True)
        return
    if meeting.table_id is not None and not access.belongs_to(meeting.table_id):
        await query.answer(not_yours(), show_alert=True)
        return
    outcome = await vote(
        session,
        meeting=meeting,
        slot_id=callback_data.s,
        person_id=access.person_id,
        answer=answer,
        now=clock.now(),
    )
    if outcome is VoteOutcome.CLOSED:
        await query.answer(
            _("Vastausaika on jo päättynyt. Vastauksia ei voi enää muuttaa."), show_alert=True
        )
    elif outcome is VoteOutcome.NOT_INVITED:
        await query.answer(not_yours(), show_alert=True)
    elif outcome is VoteOutcome.NO_SUCH_SLOT:
        await query.answer(stale(), show_alert=True)
    else:
        slots = await slots_of(session, meeting.id)
        number = next(n for n, s in enumerate(slots, start=1) if s.id == callback_data.s)
        await query.answer(
            _("Tallennettu: aika {number}, {answer}.").format(
                number=number, answer=ANSWER_WORDS[answer]
            )
        )


# ---- organiser: close, confirm, move, cancel -------------------------------------------------


@router.callback_query(ActCb.filter(F.do == "close"))
async def close_pressed(
    query: CallbackQuery,
    callback_data: ActCb,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    meeting = await load(query, session, access, callback_data.m, organiser=True)
    if meeting is None:
        return
    now = clock.now()
    if not await close_poll_now(session, meeting, now):
        await query.answer(_("Kysely on jo suljettu."), show_alert=True)
        return
    await after_close(session, meeting, settings, i18n, now)
    await query.answer(_("Kysely on suljettu."))


@router.callback_query(ActCb.filter(F.do == "pick"))
async def pick_pressed(
    query: CallbackQuery,
    callback_data: ActCb,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    i18n: I18n,
) -> None:
    meeting = await load(query, session, access, callback_data.m, organiser=True)
    if meeting is None:
        return
    if meeting.status is not MeetingStatus.CLOSED:
        await query.answer(_("Aika on jo vahvistettu, tai kysely on vielä auki."), show_alert=True)
        return
    await query.answer()
    state = await poll_state(session, meeting.id)
    builder = InlineKeyboardBuilder()
    language = i18n.current_locale
    for slot_id in state.ranked():
        slot = next(s for s in state.slots if s.id == slot_id)
        answers = state.answers.get(slot.id, [])
        label = (
            f"{span(slot.starts_at, slot.ends_at, settings.zone, language)} "
            f"✅{answers.count(Answer.YES)} 🟡{answers.count(Answer.MAYBE)}"
        )
        builder.button(text=label, callback_data=ActCb(m=meeting.id, do="confirm", arg=slot.id))
    builder.adjust(1)
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Valitse kokouksen aika. Paras on ylimpänä."), reply_markup=builder.as_markup()
        )


def _ics_file(meeting: Meeting, settings: Settings, now: datetime) -> StoredFile:
    assert meeting.starts_at is not None and meeting.ends_at is not None
    invitation = Invitation(
        meeting_uid(meeting.id),
        meeting.title,
        meeting.starts_at,
        meeting.ends_at,
        meeting.place,
        "",
        meeting.ics_sequence,
        cancelled=meeting.status is MeetingStatus.CANCELLED,
    )
    return StoredFile(
        file_name=f"kokous-{meeting.id}.ics",
        mime_type="text/calendar",
        content=invitation_ics(invitation, settings.zone, now),
        created_at=now,
    )


async def send_invitation(
    session: AsyncSession,
    meeting: Meeting,
    settings: Settings,
    i18n: I18n,
    now: datetime,
    *,
    moved: bool = False,
) -> None:
    """The invitation with its .ics, to the group and every invited person."""
    table = await session.get(Table, meeting.table_id) if meeting.table_id else None
    file = _ics_file(meeting, settings, now)
    session.add(file)
    await session.flush()
    cancelled = meeting.status is MeetingStatus.CANCELLED

    def render(language: str) -> tuple[str, InlineKeyboardMarkup | None]:
        return (
            invitation_text(meeting, table, settings.zone, language, moved=moved),
            None if cancelled else rsvp_keyboard(meeting.id),
        )

    batch = f"meeting:{meeting.id}:ics:{meeting.ics_sequence}"
    by_mail = await _email_invitation(
        session, meeting, file, settings, i18n, now, batch, moved=moved
    )
    invited = [row.person_id for row, _person in await participants(session, meeting.id)]
    await send_to_meeting(
        session,
        meeting=meeting,
        table=table,
        settings=settings,
        i18n=i18n,
        now=now,
        batch=batch,
        render=render,
        kind=OutboxKind.DOCUMENT,
        file=file,
        person_ids=[p for p in invited if p not in by_mail],
    )


async def _email_invitation(
    session: AsyncSession,
    meeting: Meeting,
    file: StoredFile,
    settings: Settings,
    i18n: I18n,
    now: datetime,
    batch: str,
    *,
    moved: bool,
) -> set[int]:
    """People who chose e-mail get the invitation there, with the same .ics attached.

    Returns who chose e-mail only: they get no Telegram copy of the invitation.
    """
    table = await session.get(Table, meeting.table_id) if meeting.table_id else None
    invited = [person for _row, person in await participants(session, meeting.id)]
    chosen = await contact_preferences(session, [p.id for p in invited])
    by_language: dict[str, dict[str, int | None]] = {}
    only_mail: set[int] = set()
    for person in invited:
        channel = chosen.get(person.id, Channel.TELEGRAM)
        if person.email and channel in (Channel.EMAIL, Channel.BOTH):
            language = reader_language(person, settings.default_language)
            by_language.setdefault(language, {})[person.email.lower()] = person.id
            if channel is Channel.EMAIL:
                only_mail.add(person.id)
    for language, recipients in by_language.items():
        with i18n.use_locale(language):
            subject = _("Kokouskutsu: {title}").format(title=meeting.title)[:200]
            body = plain_text(
                invitation_text(meeting, table, settings.zone, language, moved=moved)
            )
        await enqueue_email(
            session,
            batch=f"{batch}:mail:{language}",
            recipients=recipients,
            subject=subject,
            body=body,
            now=now,
            attachments=[{"file_id": file.id}],
        )
    return only_mail


@router.callback_query(ActCb.filter(F.do == "confirm"))
async def confirm_pressed(
    query: CallbackQuery,
    callback_data: ActCb,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    meeting = await load(query, session, access, callback_data.m, organiser=True)
    if meeting is None:
        return
    slot = await session.get(MeetingSlot, callback_data.arg)
    if slot is None or slot.meeting_id != meeting.id:
        await query.answer(stale(), show_alert=True)
        return
    assert access.person_id is not None
    now = clock.now()
    if not await confirm_slot(session, meeting, slot, access.person_id, now):
        await query.answer(_("Aika on jo vahvistettu, tai kysely on vielä auki."), show_alert=True)
        return
    await send_invitation(session, meeting, settings, i18n, now)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer(
            _("Aika on vahvistettu: {time}\nKutsu lähtee kaikille.").format(
                time=span(slot.starts_at, slot.ends_at, settings.zone, i18n.current_locale)
            )
        )


@router.callback_query(ActCb.filter(F.do == "move"))
async def move_pressed(
    query: CallbackQuery,
    callback_data: ActCb,
    access: Access,
    session: AsyncSession,
    state: FSMContext,
) -> None:
    meeting = await load(query, session, access, callback_data.m, organiser=True)
    if meeting is None:
        return
    if meeting.status is not MeetingStatus.SCHEDULED:
        await query.answer(stale(), show_alert=True)
        return
    await query.answer()
    await state.set_state(MoveMeeting.time)
    await state.update_data(meeting_id=meeting.id)
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Peru"), callback_data=Cancel(form=Form.MEETING))
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Kirjoita uusi aika, esimerkiksi <code>14.1. 17-19</code>."),
            reply_markup=builder.as_markup(),
        )


@router.message(StateFilter(MoveMeeting.time), F.chat.type == "private")
async def move_typed(
    message: Message,
    state: FSMContext,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    meeting = await session.get(Meeting, (await state.get_data()).get("meeting_id", 0))
    if (
        meeting is None
        or not may_organise(access, meeting)
        or (meeting.status is not MeetingStatus.SCHEDULED)
    ):
        await state.clear()
        await message.answer(_("Sinulla ei ole oikeutta tähän."))
        return
    now = clock.now()
    parsed = parse_time(message.text or "", now=now, zone=settings.zone)
    if isinstance(parsed, TimeProblem):
        await message.answer(time_problem_text(parsed))
        return
    assert access.person_id is not None
    await move(session, meeting, parsed, access.person_id, now)
    await state.clear()
    await send_invitation(session, meeting, settings, i18n, now, moved=True)
    await message.answer(
        _("Kokous on siirretty: {time}\nKaikki saavat uuden kutsun.").format(
            time=span(parsed.starts_at, parsed.ends_at, settings.zone, i18n.current_locale)
        )
    )


@router.callback_query(ActCb.filter(F.do == "cancel"))
async def cancel_pressed(
    query: CallbackQuery, callback_data: ActCb, access: Access, session: AsyncSession
) -> None:
    meeting = await load(query, session, access, callback_data.m, organiser=True)
    if meeting is None:
        return
    await query.answer()
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Kyllä, peru kokous"), callback_data=ActCb(m=meeting.id, do="cancel_yes")
    )
    builder.button(text=_("Ei"), callback_data=Cancel(form=Form.MEETING))
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Haluatko varmasti perua kokouksen? Kaikki saavat tiedon."),
            reply_markup=builder.as_markup(),
        )


@router.callback_query(ActCb.filter(F.do == "cancel_yes"))
async def cancel_confirmed(
    query: CallbackQuery,
    callback_data: ActCb,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    meeting = await load(query, session, access, callback_data.m, organiser=True)
    if meeting is None:
        return
    if meeting.status is not MeetingStatus.SCHEDULED:
        await query.answer(stale(), show_alert=True)
        return
    assert access.person_id is not None
    now = clock.now()
    await cancel(session, meeting, access.person_id, now)
    await send_invitation(session, meeting, settings, i18n, now)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(_("Kokous on peruttu. Kaikki saavat tiedon."))


# ---- RSVP -------------------------------------------------------------------------------------


@router.callback_query(RsvpCb.filter())
async def rsvp_pressed(
    query: CallbackQuery,
    callback_data: RsvpCb,
    access: Access,
    session: AsyncSession,
    clock: Clock,
) -> None:
    meeting = await session.get(Meeting, callback_data.m)
    answer = Rsvp(callback_data.a) if callback_data.a in set(Rsvp) else None
    if meeting is None or answer is None or access.person_id is None:
        await query.answer(stale(), show_alert=True)
        return
    if meeting.status is not MeetingStatus.SCHEDULED or (
        meeting.ends_at is not None and meeting.ends_at < clock.now()
    ):
        await query.answer(_("Tähän kokoukseen ei voi enää ilmoittautua."), show_alert=True)
        return
    if meeting.table_id is not None and not access.belongs_to(meeting.table_id):
        await query.answer(not_yours(), show_alert=True)
        return
    if not await set_rsvp(session, meeting, access.person_id, answer):
        await query.answer(not_yours(), show_alert=True)
        return
    await query.answer(_("Kiitos! Vastauksesi: {answer}.").format(answer=RSVP_WORDS[answer]))


# ---- reading the agenda and minutes -----------------------------------------------------------


@router.callback_query(ActCb.filter(F.do == "agenda"))
async def agenda_pressed(
    query: CallbackQuery,
    callback_data: ActCb,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    i18n: I18n,
) -> None:
    meeting = await load(query, session, access, callback_data.m)
    if meeting is None:
        return
    await query.answer()
    table = await session.get(Table, meeting.table_id) if meeting.table_id else None
    items = await agenda(session, meeting.id, (ItemStatus.ACCEPTED,))
    if not isinstance(query.message, Message):
        return
    for part in split_text(agenda_text(meeting, table, items, settings.zone, i18n.current_locale)):
        await query.message.answer(part)
    for number, item in enumerate(items, start=1):
        file = await session.get(StoredFile, item.file_id) if item.file_id else None
        if file is not None and file.telegram_file_id:
            await query.message.answer_document(
                file.telegram_file_id,
                caption=_("Liite asiaan {number}: {title}").format(
                    number=number, title=esc(item.title)
                ),
            )


@router.callback_query(ActCb.filter(F.do == "minutes_show"))
async def minutes_pressed(
    query: CallbackQuery, callback_data: ActCb, access: Access, session: AsyncSession
) -> None:
    meeting = await load(query, session, access, callback_data.m)
    if meeting is None:
        return
    if meeting.minutes_status is not MinutesStatus.PUBLISHED:
        await query.answer(_("Muistiota ei ole vielä julkaistu."), show_alert=True)
        return
    await query.answer()
    if not isinstance(query.message, Message):
        return
    await show_minutes(query.message, session, meeting)
