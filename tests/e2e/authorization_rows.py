"""The authorisation matrix: one row per registered handler, one expected outcome per identity.

A row names the handler ("router/event/function", as `registered_handlers` lists them), how a
person reaches it (a text, button data, or a form step with the form's state set first) and
who gets through. Everyone else gets the row's refusal, word for word, and nothing changes.

Adding a handler? Add its row here (the matrix test fails naming any handler without one):

    "feature/callback_query/thing_pressed": row(
        Press("xy:{meeting}"), allow=BELONG, refuse=NOT_ALLOWED
    ),

`{meeting}`, `{statement}`, `{ballot}`, `{table}` (Pohjoinen), `{other_table}` (Eteläinen)
and `{person}` (Pohjoinen's coordinator) are ids of the world built in
`tests/e2e/authorization.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiogram.fsm.state import State

from handlers.announcements.email import EmailAddress
from handlers.announcements.form import Announce
from handlers.announcements.replies import Answering
from handlers.invites import InviteImport
from handlers.meetings.agenda import EditItem
from handlers.meetings.changes import MoveMeeting
from handlers.meetings.forms import NewMeeting
from handlers.meetings.minutes import MinutesFlow
from handlers.meetings.proposals import AgendaCutoff, ProposeItem
from handlers.statements.common import Amending, Dissenting, Drafting, StatementForm, Submitting
from handlers.votes.casting import Reasoning
from handlers.votes.opening import BallotForm
from tests.e2e.authorization import (
    ANY_COORDINATOR,
    BELONG,
    COORDINATORS,
    INSIDERS,
    KNOWN,
    LEADERS,
    NOBODY,
    ORGANIZERS,
    OUTSIDERS,
    SEATED,
    Who,
)

# What people read when they are turned away (views/common.py and the features' own words).
NOT_ALLOWED = "Sinulla ei ole oikeutta tähän."
STALE = "Tämä nappi ei ole enää käytössä. Paina /valikko."
NOT_UNDERSTOOD = "En ymmärtänyt. Paina /valikko, niin näet kaikki toiminnot."
NOT_YOURS = "Tämä toiminto ei ole sinun käytössäsi. Paina /valikko, niin näet omat toimintosi."
MEETING_NOT_YOURS = "Tämä kokous ei koske sinua. Vain pöydän jäsenet voivat vastata."
MEMBERS_ONLY = (
    "Jäsenlista on vain pöydän jäsenille.\nJos olet jäsen, pyydä koordinaattorilta kutsulinkki."
)
MEETINGS_ONLY = (
    "Kokoukset näkyvät vain pöydän jäsenille.\n"
    "Jos olet jäsen, pyydä koordinaattorilta kutsulinkki."
)
VOTES_ONLY = "Äänestykset ovat pöydän jäsenille."
VOTERS_ONLY = "Vain tämän pöydän jäsenet voivat äänestää."
NOT_FOR_YOU = "Tämä nappi ei ole sinulle."
LINK_ONLY = "Vain koordinaattori voi liittää ryhmän pöytään."
NOT_ERASABLE = (
    "Tämän henkilön tietoja et voi poistaa. "
    "Hän ei ole enää pöytäsi jäsen, tai hän on koordinaattori."
)
ERROR = "Jokin meni vikaan. Mitään ei tallennettu. Yritä hetken päästä uudelleen."
# Never a normal answer: an allowed identity seeing one of these was turned away after all.
REFUSALS = frozenset(
    {NOT_ALLOWED, STALE, NOT_UNDERSTOOD, NOT_YOURS, MEETING_NOT_YOURS, MEMBERS_ONLY}
    | {MEETINGS_ONLY, VOTES_ONLY, VOTERS_ONLY, NOT_FOR_YOU, LINK_ONLY, ERROR}
)


# ---- how a person reaches a handler ------------------------------------------------------------


@dataclass(frozen=True)
class Send:
    text: str
    document: tuple[str, bytes] | None = None  # (file name, content): sent as a file instead


@dataclass(frozen=True)
class Press:
    data: str


@dataclass(frozen=True)
class InState:
    """A form's step: the person is put in `state` with `data` (templates allowed), then acts."""

    state: State
    then: Send | Press
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Exempt:
    """Not reached by a person's text or press; `why` says where it is tested instead."""

    why: str


Trigger = Send | Press | InState


# ---- what each identity should see -------------------------------------------------------------


@dataclass(frozen=True)
class Allow:
    """The handler runs and gives its normal answer (containing `answer`, when given)."""

    answer: str | None = None
    # In a row that ends its matter (a cancelled meeting), whoever comes after the first finds
    # the button stale.
    or_stale: bool = False


@dataclass(frozen=True)
class Passes:
    """The handler runs but writes nothing: a form step that only keeps the answer in memory;
    the step that writes checks the right again (its own row shows it)."""

    answer: str | None = None


@dataclass(frozen=True)
class Refuse:
    """The exact refusal (an alert for a press, a reply for a text); nothing changes."""

    text: str


@dataclass(frozen=True)
class Silent:
    """No answer at all (a text the bot does not take in a group); nothing changes."""


@dataclass(frozen=True)
class Skip:
    """Not tried here, and why (the row's other identities still are)."""

    why: str


Outcome = Allow | Passes | Refuse | Silent | Skip


@dataclass(frozen=True)
class Row:
    trigger: Trigger | Exempt
    outcomes: dict[Who, Outcome]


def row(
    trigger: Trigger,
    allow: frozenset[Who] = frozenset(),
    refuse: str = NOT_ALLOWED,
    *,
    answer: str | None = None,
    passes: frozenset[Who] = frozenset(),
    nobody: Outcome | None = None,
    or_stale: bool = False,
    **special: Outcome,
) -> Row:
    """Identities in `allow` get through, those in `passes` pass harmlessly, the rest are
    refused with `refuse`. Telegram's stand-ins (`nobody`) default to silence for a text (the
    bot answers no one in the group) and the stale-button alert for a press."""
    if nobody is None:
        step = trigger.then if isinstance(trigger, InState) else trigger
        nobody = Silent() if isinstance(step, Send) else Refuse(STALE)
    outcomes: dict[Who, Outcome] = {}
    for who in Who:
        if who.value in special:
            outcomes[who] = special[who.value]
        elif who in allow:
            outcomes[who] = Allow(answer, or_stale)
        elif who in passes:
            outcomes[who] = Passes()
        elif who in NOBODY:
            outcomes[who] = nobody
        else:
            outcomes[who] = Refuse(refuse)
    return Row(trigger, outcomes)


def exempt(why: str) -> Row:
    return Row(Exempt(why), {})


def everyone(trigger: Trigger, *, answer: str | None = None, nobody: Outcome | None = None) -> Row:
    return row(trigger, KNOWN, answer=answer, nobody=nobody)


def skip(identities: frozenset[Who], why: str) -> dict[str, Outcome]:
    return {who.value: Skip(why) for who in identities}


# The form's data a step was given is a stand-in; the steps that need all of it are tried by
# the features' own tests (test_meetings.py, test_statements.py, test_announcements.py, ...).
PARTIAL_FORM = "the form's earlier answers are not all there; the feature's own tests go through"


# An announcement written so far, to Pohjoinen's members.
ANNOUNCEMENT = {"text": "Tiedote", "tables": ["{table}"], "audience": "members"}


def form_step(state: State, then: Send | Press, data: dict[str, Any] | None = None) -> InState:
    return InState(state, then, data or {})


# ---- the rows ----------------------------------------------------------------------------------

ROWS: dict[str, Row] = {
    # start: anyone may open the bot, see the menu and the help
    "start/message/join_with_invite": everyone(
        Send("/start eiole"), answer="Tämä kutsulinkki ei toimi."
    ),
    "start/message/greet": everyone(Send("/start")),
    "start/message/show_menu": everyone(Send("/valikko"), answer="Mitä haluat tehdä?"),
    "start/message/show_help": everyone(Send("/apua")),
    "start/callback_query/show_help_from_menu": everyone(Press("m:help"), nobody=Passes()),
    # groups: only a coordinator links a group, and only in the group (test_groups.py)
    "groups/message/link_command": row(Send("/liita"), refuse=NOT_YOURS, nobody=Refuse(LINK_ONLY)),
    "groups/message/group_upgraded": exempt("Telegram's service message; test_groups.py"),
    "groups/message/supergroup_created": exempt("Telegram's service message; test_groups.py"),
    "groups/my_chat_member/bot_added": exempt("adding the bot to a group; test_groups.py"),
    "groups/my_chat_member/bot_removed": exempt("removing the bot from a group; test_groups.py"),
    "groups/my_chat_member/bot_blocked": exempt("a person blocks the bot; test_groups.py"),
    "groups/my_chat_member/bot_unblocked": exempt("a person unblocks the bot; test_groups.py"),
    "groups/callback_query/link_chosen": row(Press("lg:{table}"), nobody=Refuse(NOT_ALLOWED)),
    # invites: coordinators of the table
    "invites/message/ask_table_or_role": row(Send("/kutsu"), ANY_COORDINATOR, NOT_YOURS),
    "invites/message/import_csv": row(
        form_step(
            InviteImport.waiting_for_csv,
            Send("", document=("kutsut.csv", b"nimi\nMatti\n")),
            {"table_id": "{table}"},
        ),
        COORDINATORS,
        NOT_UNDERSTOOD,
        other_coordinator=Refuse(NOT_ALLOWED),
    ),
    "invites/message/import_not_a_file": row(
        form_step(InviteImport.waiting_for_csv, Send("hei"), {"table_id": "{table}"}),
        ANY_COORDINATOR,
        NOT_UNDERSTOOD,
    ),
    "invites/callback_query/ask_table_or_role_from_menu": row(
        Press("m:invite"), ANY_COORDINATOR, STALE
    ),
    "invites/callback_query/table_chosen": row(
        Press("it:{table}"), COORDINATORS, STALE, other_coordinator=Refuse(NOT_ALLOWED)
    ),
    "invites/callback_query/import_chosen": row(
        Press("ir:{table}:csv"), COORDINATORS, STALE, other_coordinator=Refuse(NOT_ALLOWED)
    ),
    "invites/callback_query/import_cancelled": row(Press("x:import"), ANY_COORDINATOR, STALE),
    "invites/callback_query/role_chosen": row(
        Press("ir:{table}:member"), COORDINATORS, STALE, other_coordinator=Refuse(NOT_ALLOWED)
    ),
    # members: the lists are for insiders; /me for anyone
    "members/message/show_members": row(
        Send("/jasenet"), INSIDERS, MEMBERS_ONLY, nobody=Refuse(MEMBERS_ONLY)
    ),
    "members/message/show_me": everyone(Send("/tiedot"), nobody=Silent()),
    "members/callback_query/show_members_from_menu": row(
        Press("m:members"), INSIDERS, MEMBERS_ONLY, nobody=Refuse(MEMBERS_ONLY)
    ),
    "members/callback_query/show_me_from_menu": everyone(Press("m:me"), nobody=Passes()),
    # language: anyone; nobody's choice is not kept
    "language/message/offer_languages": everyone(Send("/kieli"), nobody=Passes()),
    "language/callback_query/offer_languages_from_menu": everyone(
        Press("m:language"), nobody=Passes()
    ),
    "language/callback_query/pick_language": everyone(Press("lang:fi")),
    # my data: anyone's own export and erasure, in a private chat; a coordinator erases a
    # member of their own table on request. Erasing destroys the identity for the rows after it,
    # so those who get through are tried in test_mydata.py instead.
    # Telegram's stand-ins in the group are told to write privately; nothing is stored.
    "mydata/message/send_my_data": everyone(Send("/omattiedot"), nobody=Passes()),
    "mydata/callback_query/send_my_data_from_menu": everyone(Press("m:mydata"), nobody=Passes()),
    "mydata/callback_query/ask_erase_mine": everyone(Press("me:ask")),
    "mydata/callback_query/erase_mine": row(
        Press("me:yes"), **skip(KNOWN, "erasing ends the identity: test_mydata.py erases")
    ),
    "mydata/callback_query/keep_data": everyone(Press("me:no"), nobody=Passes()),
    "mydata/callback_query/keep_member_data": everyone(Press("em:no:{table}:0"), nobody=Passes()),
    "mydata/callback_query/pick_member": row(
        Press("em:ask:{table}:0"), COORDINATORS, nobody=Refuse(NOT_ALLOWED)
    ),
    # {person} is a coordinator: nobody may erase a coordinator's data for them.
    "mydata/callback_query/erase_member": row(
        Press("em:yes:{table}:{person}"),
        nobody=Refuse(NOT_ALLOWED),
        coordinator=Refuse(NOT_ERASABLE),
        lead=Refuse(NOT_ERASABLE),
    ),
    # meetings: the table's people see them; leaders organise
    "meetings.listing/message/show_meetings": row(Send("/kokoukset"), INSIDERS, MEETINGS_ONLY),
    "meetings.listing/callback_query/show_meetings_from_menu": row(
        Press("m:meetings"), INSIDERS, MEETINGS_ONLY
    ),
    "meetings.listing/callback_query/meetings_page": row(Press("ml:1"), INSIDERS, MEETINGS_ONLY),
    "meetings.listing/callback_query/open_meeting": row(
        Press("mo:{meeting}"), BELONG, MEETING_NOT_YOURS
    ),
    "meetings.listing/callback_query/show_agenda": row(
        Press("ma:{meeting}:agenda:0"), BELONG, MEETING_NOT_YOURS
    ),
    "meetings.listing/callback_query/show_minutes": row(
        Press("ma:{meeting}:minutes_show:0"), BELONG, MEETING_NOT_YOURS
    ),
    # Coordinators are not invited to answer the time poll: it asks the seated members.
    "meetings.poll/callback_query/vote_pressed": row(
        Press("mv:{meeting}:1:yes"), SEATED, MEETING_NOT_YOURS
    ),
    "meetings.poll/callback_query/close_pressed": row(Press("ma:{meeting}:close:0"), LEADERS),
    "meetings.poll/callback_query/pick_pressed": row(Press("ma:{meeting}:pick:0"), LEADERS),
    "meetings.poll/callback_query/confirm_pressed": row(
        Press("ma:{meeting}:confirm:1"), LEADERS, or_stale=True
    ),
    # The poll has no time yet: leaders pass the right check and hear it cannot move.
    "meetings.changes/message/move_typed": row(
        form_step(MoveMeeting.time, Send("1.1. 10.00"), {"meeting_id": "{meeting}"})
    ),
    "meetings.changes/callback_query/rsvp_pressed": row(
        Press("mr:{meeting}:coming"), BELONG, MEETING_NOT_YOURS
    ),
    "meetings.changes/callback_query/move_pressed": row(
        Press("ma:{meeting}:move:0"), **{who.value: Refuse(STALE) for who in LEADERS}
    ),
    "meetings.changes/callback_query/cancel_pressed": row(Press("ma:{meeting}:cancel:0"), LEADERS),
    "meetings.changes/callback_query/cancel_confirmed": row(
        Press("ma:{meeting}:cancel_yes:0"), LEADERS, or_stale=True
    ),
    "meetings.new_poll/message/title_typed": row(
        form_step(NewMeeting.title, Send("Kevätkokous"), {"table_id": "{table}"}),
        ORGANIZERS,
        NOT_UNDERSTOOD,
    ),
    "meetings.new_poll/message/place_typed": row(
        form_step(NewMeeting.place, Send("Kirjasto"), {"table_id": "{table}"}),
        ORGANIZERS,
        NOT_UNDERSTOOD,
    ),
    "meetings.new_poll/callback_query/start_pressed": row(Press("mn:start:"), ORGANIZERS, STALE),
    "meetings.new_poll/callback_query/table_chosen": row(
        Press("mn:table:{table}"),
        refuse=STALE,
        other_coordinator=Refuse(NOT_ALLOWED),
        **skip(LEADERS, PARTIAL_FORM),
    ),
    "meetings.new_poll/callback_query/form_cancelled": row(Press("x:meeting"), ORGANIZERS, STALE),
    "meetings.new_poll/callback_query/kind_chosen": row(
        form_step(NewMeeting.kind, Press("mn:kind:regular"), {"table_id": "{table}"}),
        refuse=STALE,
        **skip(ORGANIZERS, PARTIAL_FORM),
    ),
    "meetings.new_poll/callback_query/send_poll": row(
        form_step(NewMeeting.confirm, Press("mn:send:"), {"table_id": "{table}"}),
        refuse=STALE,
        other_coordinator=Refuse(NOT_ALLOWED),
        **skip(LEADERS, PARTIAL_FORM),
    ),
    "meetings.poll_times/message/times_typed": row(
        form_step(NewMeeting.times, Send("1.1. 10.00"), {"table_id": "{table}"}),
        refuse=NOT_UNDERSTOOD,
        **skip(ORGANIZERS, PARTIAL_FORM),
    ),
    "meetings.poll_times/message/deadline_typed": row(
        form_step(NewMeeting.deadline, Send("1.1. 10.00"), {"table_id": "{table}"}),
        refuse=NOT_UNDERSTOOD,
        **skip(ORGANIZERS, PARTIAL_FORM),
    ),
    "meetings.poll_times/callback_query/days_page": row(
        form_step(NewMeeting.times, Press("mn:days:7"), {"table_id": "{table}"}), ORGANIZERS, STALE
    ),
    "meetings.poll_times/callback_query/day_chosen": row(
        form_step(NewMeeting.times, Press("mn:day:2030-01-01"), {"table_id": "{table}"}),
        ORGANIZERS,
        STALE,
    ),
    "meetings.poll_times/callback_query/hour_chosen": row(
        form_step(NewMeeting.times, Press("mn:hour:17"), {"table_id": "{table}"}),
        refuse=STALE,
        **skip(ORGANIZERS, PARTIAL_FORM),
    ),
    "meetings.poll_times/callback_query/times_done": row(
        form_step(NewMeeting.times, Press("mn:done:"), {"table_id": "{table}"}), ORGANIZERS, STALE
    ),
    "meetings.poll_times/callback_query/deadline_pressed": row(
        form_step(NewMeeting.deadline, Press("mn:dl:3"), {"table_id": "{table}"}),
        refuse=STALE,
        **skip(ORGANIZERS, PARTIAL_FORM),
    ),
    # Proposing an agenda item: the typed steps only keep the text; saving checks the right.
    "meetings.proposals/message/item_title_typed": row(
        form_step(ProposeItem.title, Send("Penkit"), {"meeting_id": "{meeting}"}),
        BELONG,
        passes=KNOWN - BELONG,
    ),
    "meetings.proposals/message/item_body_typed": row(
        form_step(ProposeItem.body, Send("Lisää penkkejä"), {"meeting_id": "{meeting}"}),
        BELONG,
        passes=KNOWN - BELONG,
    ),
    "meetings.proposals/message/attachment_sent": row(
        form_step(
            ProposeItem.attachment,
            Send("", document=("liite.pdf", b"%PDF-1.4")),
            {"meeting_id": "{meeting}", "title": "Penkit", "body": ""},
        ),
        BELONG,
    ),
    "meetings.proposals/message/attachment_not_a_file": row(
        form_step(ProposeItem.attachment, Send("hei"), {"meeting_id": "{meeting}"}),
        BELONG,
        passes=KNOWN - BELONG,
    ),
    "meetings.proposals/message/cutoff_typed": row(
        form_step(AgendaCutoff.time, Send("1.1. 10.00"), {"meeting_id": "{meeting}"}), LEADERS
    ),
    "meetings.proposals/callback_query/propose_pressed": row(
        Press("ma:{meeting}:propose:0"), BELONG, MEETING_NOT_YOURS
    ),
    "meetings.proposals/callback_query/form_cancelled": everyone(Press("x:agenda")),
    "meetings.proposals/callback_query/body_skipped": row(
        form_step(ProposeItem.body, Press("sk:agenda"), {"meeting_id": "{meeting}"}),
        refuse=STALE,
        **skip(KNOWN, PARTIAL_FORM),
    ),
    "meetings.proposals/callback_query/attachment_skipped": row(
        form_step(
            ProposeItem.attachment,
            Press("sk:agenda"),
            {"meeting_id": "{meeting}", "title": "Penkit", "body": ""},
        ),
        **skip(BELONG, PARTIAL_FORM),
    ),
    "meetings.proposals/callback_query/cutoff_pressed": row(
        Press("ma:{meeting}:cutoff:0"), LEADERS
    ),
    # No item 1 to edit: everyone hears the same, whatever their role.
    "meetings.agenda/message/item_title_edited": row(
        form_step(EditItem.title, Send("Uusi otsikko"), {"meeting_id": "{meeting}"})
    ),
    "meetings.agenda/callback_query/organise_pressed": row(Press("ma:{meeting}:edit:0"), LEADERS),
    "meetings.agenda/callback_query/item_pressed": row(Press("mi:1:acc"), refuse=STALE),
    "meetings.agenda/callback_query/item_edit_pressed": row(Press("mi:1:edit"), refuse=STALE),
    "meetings.agenda/callback_query/publish_pressed": row(
        Press("ma:{meeting}:publish:0"), LEADERS
    ),
    # Minutes: the typed step keeps the text; attendance, checkers and saving check the right.
    "meetings.minutes/message/minutes_file": row(
        form_step(
            MinutesFlow.content,
            Send("", document=("muistio.pdf", b"%PDF-1.4")),
            {"meeting_id": "{meeting}"},
        ),
        LEADERS,
        passes=KNOWN - LEADERS,
    ),
    "meetings.minutes/message/minutes_text": row(
        form_step(MinutesFlow.content, Send("Muistio"), {"meeting_id": "{meeting}"}),
        LEADERS,
        passes=KNOWN - LEADERS,
    ),
    "meetings.minutes/callback_query/form_cancelled": everyone(Press("x:minutes")),
    "meetings.minutes/callback_query/attend_pressed": row(
        Press("ma:{meeting}:attend:0"), **skip(LEADERS, "the meeting has no time yet")
    ),
    "meetings.minutes/callback_query/attendee_pressed": row(
        Press("mp:{meeting}:{person}:att"), **skip(LEADERS, "the meeting has no time yet")
    ),
    "meetings.minutes/callback_query/attend_done": row(
        Press("ma:{meeting}:attend_done:0"), LEADERS
    ),
    "meetings.minutes/callback_query/minutes_pressed": row(
        Press("ma:{meeting}:minutes:0"), LEADERS
    ),
    "meetings.minutes/callback_query/checker_pressed": row(
        form_step(
            MinutesFlow.checkers,
            Press("mp:{meeting}:{person}:chk"),
            {"meeting_id": "{meeting}", "checkers": []},
        ),
        **skip(LEADERS, PARTIAL_FORM),
    ),
    "meetings.minutes/callback_query/minutes_done": row(
        form_step(
            MinutesFlow.checkers,
            Press("ma:{meeting}:minutes_done:0"),
            {"meeting_id": "{meeting}", "checkers": []},
        ),
        LEADERS,
    ),
    "meetings.minutes/callback_query/approve_pressed": row(
        Press("ma:{meeting}:approve:0"), BELONG, MEETING_NOT_YOURS
    ),
    # statements: the table's people see them; seated members amend and dissent; leaders run
    # them. Approved statements are public records: /lausunnot answers anyone (issue 17).
    "statements.listing/message/working_list": row(
        Send("/luonnokset"), INSIDERS, passes=OUTSIDERS
    ),
    "statements.listing/message/approved_list": everyone(Send("/lausunnot")),
    "statements.listing/callback_query/working_list_from_menu": row(
        Press("m:statements"), INSIDERS, passes=OUTSIDERS
    ),
    "statements.listing/callback_query/working_page": row(
        Press("dl:1"), INSIDERS, passes=OUTSIDERS
    ),
    "statements.listing/callback_query/open_card": row(Press("sa:{statement}:view"), BELONG),
    "statements.listing/callback_query/send_files": row(Press("sa:{statement}:files"), BELONG),
    "statements.listing/callback_query/show_text": row(Press("sa:{statement}:text"), BELONG),
    "statements.listing/callback_query/show_diff": row(Press("sa:{statement}:diff"), BELONG),
    # There are no versions 1 and 2 yet: the table's people pass and hear so.
    "statements.listing/callback_query/show_chosen_diff": row(Press("df:{statement}:1:2")),
    "statements.request/message/got_subject": row(
        form_step(StatementForm.subject, Send("Asia"), {"table_id": "{table}"}),
        LEADERS,
        passes=KNOWN - LEADERS,
    ),
    "statements.request/message/got_requester": row(
        form_step(StatementForm.requester, Send("Kaupunki"), {"table_id": "{table}"}),
        LEADERS,
        passes=KNOWN - LEADERS,
    ),
    "statements.request/message/got_case_number": row(
        form_step(StatementForm.case_number, Send("-"), {"table_id": "{table}"}),
        LEADERS,
        passes=KNOWN - LEADERS,
    ),
    "statements.request/message/got_background_file": row(
        form_step(
            StatementForm.background,
            Send("", document=("tausta.pdf", b"%PDF-1.4")),
            {"table_id": "{table}"},
        ),
        LEADERS,
        passes=KNOWN - LEADERS,
    ),
    "statements.request/message/got_background": row(
        form_step(StatementForm.background, Send("-"), {"table_id": "{table}"}),
        LEADERS,
        passes=KNOWN - LEADERS,
    ),
    "statements.request/message/got_city_due": row(
        form_step(StatementForm.city_due, Send("1.1.2030 12.00"), {"table_id": "{table}"}),
        LEADERS,
        passes=KNOWN - LEADERS,
    ),
    "statements.request/message/got_internal_due": row(
        form_step(
            StatementForm.internal_due,
            Send("1.1.2030 12.00"),
            {
                "table_id": "{table}",
                "subject": "Asia",
                "requester": "Kaupunki",
                "case_number": None,
                "background": None,
                "city_due_at": "2030-02-01T10:00:00+00:00",
            },
        ),
        LEADERS,
    ),
    "statements.request/callback_query/new_statement": row(Press("ns:{table}"), LEADERS),
    "statements.drafting/message/draft_part": row(
        form_step(Drafting.collecting, Send("Luonnos"), {"statement_id": "{statement}"}),
        BELONG,
        passes=KNOWN - BELONG,
    ),
    "statements.drafting/message/draft_file": row(
        form_step(
            Drafting.collecting,
            Send("", document=("luonnos.txt", b"Luonnos")),
            {"statement_id": "{statement}"},
        ),
        BELONG,
    ),
    "statements.drafting/callback_query/choose_drafter": row(
        Press("sa:{statement}:drafter"), LEADERS
    ),
    "statements.drafting/callback_query/drafter_chosen": row(
        Press("sd:{statement}:{person}"), LEADERS
    ),
    "statements.drafting/callback_query/start_draft": row(Press("sa:{statement}:draft"), BELONG),
    "statements.drafting/callback_query/draft_done": row(
        form_step(
            Drafting.collecting,
            Press("sa:{statement}:done"),
            {"statement_id": "{statement}", "parts": ["Luonnos"]},
        ),
        BELONG,
    ),
    "statements.amendments/message/amendment_old": row(
        form_step(Amending.old, Send("vanha"), {"statement_id": "{statement}"}),
        passes=KNOWN - SEATED,
        **skip(SEATED, PARTIAL_FORM),
    ),
    "statements.amendments/message/amendment_new": row(
        form_step(Amending.new, Send("uusi"), {"statement_id": "{statement}", "old": "vanha"}),
        **skip(SEATED, PARTIAL_FORM),
    ),
    "statements.amendments/callback_query/start_amendment": row(
        Press("sa:{statement}:amend"), SEATED
    ),
    # No amendment 1: refused alike for everyone, so a forged id learns nothing.
    "statements.amendments/callback_query/amendment_decided": row(Press("ad:1:ok")),
    "statements.final/message/got_dissent": row(
        form_step(Dissenting.text, Send("Olen eri mieltä"), {"statement_id": "{statement}"}),
        SEATED | COORDINATORS,
    ),
    "statements.final/message/got_submitted_to": row(
        form_step(Submitting.to, Send("Kaupunginhallitus"), {"statement_id": "{statement}"}),
        LEADERS,
    ),
    "statements.final/message/not_text": row(
        form_step(
            Submitting.to,
            Send("", document=("x.pdf", b"%PDF-1.4")),
            {"statement_id": "{statement}"},
        ),
        KNOWN,
    ),
    "statements.final/callback_query/start_dissent": row(Press("sa:{statement}:dissent"), SEATED),
    "statements.final/callback_query/export": row(Press("sa:{statement}:docx"), BELONG),
    "statements.final/callback_query/start_submit": row(Press("sa:{statement}:submit"), LEADERS),
    "statements.final/callback_query/cancel": everyone(Press("x:statement")),
    # votes: the seated members of the ballot's table vote; leaders open votes
    "votes.casting/message/got_reason": row(
        form_step(Reasoning.text, Send("Koska"), {"ballot_id": "{ballot}"}),
        SEATED,
        VOTERS_ONLY,
    ),
    "votes.casting/callback_query/vote_pressed": row(
        Press("v:{ballot}:agree"), SEATED, VOTERS_ONLY
    ),
    "votes.casting/callback_query/reason_pressed": row(Press("vr:{ballot}"), SEATED, VOTERS_ONLY),
    "votes.listing/callback_query/open_ballots_list_from_menu": row(
        Press("m:votes"), INSIDERS, VOTES_ONLY
    ),
    "votes.listing/callback_query/show_ballot": row(Press("sb:{ballot}"), BELONG),
    "votes.opening/message/got_title": row(
        form_step(BallotForm.title, Send("Penkit"), {"table_id": "{table}", "kind": "proposal"}),
        LEADERS,
        passes=KNOWN - LEADERS,
    ),
    "votes.opening/message/got_amount": row(
        form_step(BallotForm.amount, Send("100"), {"table_id": "{table}", "kind": "money"}),
        LEADERS,
        passes=KNOWN - LEADERS,
    ),
    "votes.opening/message/got_recipient": row(
        form_step(BallotForm.recipient, Send("Seura"), {"table_id": "{table}", "kind": "money"}),
        LEADERS,
        passes=KNOWN - LEADERS,
    ),
    "votes.opening/callback_query/cancel": everyone(Press("x:ballot")),
    "votes.opening/callback_query/statement_vote": row(Press("sa:{statement}:vote"), LEADERS),
    "votes.opening/callback_query/amendment_vote": row(Press("ad:1:vote")),
    "votes.opening/callback_query/choose_topic": row(Press("nb:{table}:?"), LEADERS),
    "votes.opening/callback_query/topic_chosen": row(Press("nb:{table}:proposal"), LEADERS),
    "votes.opening/callback_query/length_chosen": row(
        form_step(
            BallotForm.length,
            Press("bl:24"),
            {"table_id": "{table}", "kind": "proposal", "title": "Penkit"},
        ),
        LEADERS,
    ),
    "votes.rules/message/show_rules": row(Send("/aanestyssaannot"), INSIDERS, VOTES_ONLY),
    "votes.rules/callback_query/rule_step": row(Press("vs:{table}:q"), LEADERS),
    # reminders: each insider's own settings; a table's timings by its coordinators
    "reminders/message/show_settings": row(Send("/muistutukset"), INSIDERS, NOT_YOURS),
    "reminders/callback_query/show_settings_from_menu": row(Press("m:reminders"), INSIDERS, STALE),
    "reminders/callback_query/toggle": row(Press("rmk:meet"), INSIDERS, STALE),
    "reminders/callback_query/set_digest": row(Press("rmd:1"), INSIDERS, STALE),
    "reminders/callback_query/quiet_menu": row(Press("rmq"), INSIDERS, STALE),
    "reminders/callback_query/set_quiet": row(Press("rmh:off"), INSIDERS, STALE),
    "reminders/callback_query/back": row(Press("rmb"), INSIDERS, STALE),
    "reminders/callback_query/pick_table": row(Press("rmt"), ANY_COORDINATOR, STALE),
    "reminders/callback_query/table_offsets": row(Press("rmo:{table}"), COORDINATORS, STALE),
    "reminders/callback_query/set_offsets": row(Press("rms:{table}:2d"), COORDINATORS, STALE),
    # announcements: organisers write to the tables they lead
    "announcements.compose/message/start": row(
        Send("/tiedote"), ORGANIZERS, passes=KNOWN - ORGANIZERS
    ),
    "announcements.compose/message/text_written": row(
        form_step(Announce.text, Send("Tiedote")), ORGANIZERS, passes=KNOWN - ORGANIZERS
    ),
    "announcements.compose/callback_query/start_from_menu": row(
        Press("m:announce"), ORGANIZERS, passes=KNOWN - ORGANIZERS, nobody=Passes()
    ),
    "announcements.compose/callback_query/table_toggled": row(
        form_step(Announce.tables, Press("at:{table}"), {"text": "Tiedote", "tables": []}),
        LEADERS,
        nobody=Refuse(NOT_ALLOWED),
    ),
    "announcements.compose/callback_query/tables_done": row(
        form_step(Announce.tables, Press("as:tables_done"), ANNOUNCEMENT),
        LEADERS,
        nobody=Refuse(NOT_ALLOWED),
    ),
    "announcements.compose/callback_query/who_chosen": row(
        form_step(Announce.who, Press("as:who_members"), ANNOUNCEMENT),
        nobody=Refuse(NOT_ALLOWED),
        **skip(LEADERS, PARTIAL_FORM),
    ),
    "announcements.sending/message/when_written": row(
        form_step(Announce.when, Send("1.1.2030 12.00"), ANNOUNCEMENT),
        LEADERS,
    ),
    "announcements.sending/callback_query/option_toggled": row(
        form_step(Announce.options, Press("as:pin"), ANNOUNCEMENT),
        nobody=Passes(),
        **skip(KNOWN, PARTIAL_FORM),
    ),
    "announcements.sending/callback_query/ask_when": row(
        form_step(Announce.options, Press("as:later"), ANNOUNCEMENT),
        passes=KNOWN,
        nobody=Passes(),
    ),
    "announcements.sending/callback_query/send_now": row(
        form_step(Announce.options, Press("as:now"), ANNOUNCEMENT),
        nobody=Refuse(NOT_ALLOWED),
        **skip(LEADERS, PARTIAL_FORM),
    ),
    "announcements.sending/callback_query/cancelled": everyone(
        Press("as:cancel"), nobody=Passes()
    ),
    # No announcement 1 and no reply 1: refused alike for everyone.
    "announcements.acks/callback_query/acknowledged": row(
        Press("ak:1"), refuse=NOT_FOR_YOU, nobody=Refuse(NOT_FOR_YOU)
    ),
    "announcements.acks/callback_query/show_readers": row(
        Press("al:1"), nobody=Refuse(NOT_ALLOWED)
    ),
    "announcements.replies/message/member_replied": row(
        Send("Kiitos tiedosta"), refuse=NOT_UNDERSTOOD
    ),
    "announcements.replies/message/answer_written": row(
        form_step(Answering.text, Send("Vastaus"), {"reply_id": 1})
    ),
    "announcements.replies/callback_query/answer_pressed": row(
        Press("ar:1"), nobody=Refuse(NOT_ALLOWED)
    ),
    # e-mail: the tables' people choose how announcements reach them; an outsider's address is
    # neither asked for nor kept (test_email_settings_are_for_the_tables_people)
    "announcements.email/message/email_settings": row(Send("/sahkoposti"), INSIDERS, NOT_YOURS),
    "announcements.email/message/email_written": row(
        form_step(EmailAddress.address, Send("matti@example.fi")), INSIDERS, NOT_UNDERSTOOD
    ),
    "announcements.email/callback_query/email_chosen": row(Press("ep:telegram"), INSIDERS, STALE),
    # the catch-all
    "fallback/message/not_understood": everyone(Send("hei"), answer=NOT_UNDERSTOOD),
    "fallback/callback_query/stale_button": everyone(Press("zz:1"), answer=STALE),
}
