"""Announcement rules over plain values: typed times, safe splitting, audiences, routes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from storage.announcements import (
    Audience,
    Channel,
    WhenProblem,
    file_allowed,
    parse_when,
    reach,
    recipients_by_role,
)
from storage.roles import Role
from views.text import split_text, visible_length

HELSINKI = ZoneInfo("Europe/Helsinki")
# Monday 12.1.2026 at 10.00 in Helsinki (08.00 UTC).
NOW = datetime(2026, 1, 12, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "local"),
    [
        ("14.1. 17.00", datetime(2026, 1, 14, 17, 0)),
        ("14.1.2026 klo 17.00", datetime(2026, 1, 14, 17, 0)),
        ("14.1.26 17:30", datetime(2026, 1, 14, 17, 30)),
        ("17.00", datetime(2026, 1, 12, 17, 0)),
        ("5.1. 9.00", datetime(2027, 1, 5, 9, 0)),  # a day already gone means next year
        ("29.3. 4.30", datetime(2026, 3, 29, 4, 30)),  # the night clocks go forward
    ],
)
def test_typed_finnish_times_are_read_in_helsinki(typed: str, local: datetime) -> None:
    assert parse_when(typed, NOW, HELSINKI) == local.replace(tzinfo=HELSINKI).astimezone(UTC)


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("huomenna", WhenProblem.FORMAT),
        ("14.1. 25.00", WhenProblem.FORMAT),
        ("", WhenProblem.FORMAT),
        ("31.2. 10.00", WhenProblem.NO_SUCH_DAY),
        ("12.1.2026 9.00", WhenProblem.PAST),
        ("9.00", WhenProblem.PAST),
        ("1.1.2025 10.00", WhenProblem.PAST),
        ("1.6.2027 10.00", WhenProblem.TOO_FAR),
    ],
)
def test_bad_times_are_named(typed: str, problem: WhenProblem) -> None:
    assert parse_when(typed, NOW, HELSINKI) is problem


def test_split_keeps_paragraphs_whole_and_under_the_limit() -> None:
    paragraphs = [f"Kappale {n}. " + "sana " * 40 for n in range(12)]
    parts = split_text("\n\n".join(paragraphs), 500)
    assert len(parts) > 1
    assert all(visible_length(p) <= 500 for p in parts)
    rejoined = "\n\n".join(parts)
    for paragraph in paragraphs:
        assert paragraph.strip() in rejoined


def test_split_never_cuts_a_tag_and_reopens_it() -> None:
    text = "<b>" + "lihava sana " * 60 + '</b> ja <a href="https://lahti.fi">linkki</a>'
    parts = split_text(text, 100)
    assert len(parts) > 1
    for part in parts:
        assert part.count("<b>") == part.count("</b>")
        assert part.count("<a ") == part.count("</a>")
        assert visible_length(part) <= 100
    assert parts[1].startswith("<b>")


def test_split_counts_entities_and_emoji_as_telegram_does() -> None:
    assert visible_length("a &amp; b") == 5
    assert visible_length("👍") == 2
    parts = split_text("&amp; " * 300, 100)
    assert all(visible_length(p) <= 100 for p in parts)
    assert all("&amp;" in p and not p.endswith("&") for p in parts)


def test_split_cuts_an_endless_word_as_a_last_resort() -> None:
    parts = split_text("x" * 250, 100)
    assert [len(p) for p in parts] == [100, 100, 50]


def test_short_text_is_one_part() -> None:
    assert split_text("Hei <i>kaikki</i>!") == ["Hei <i>kaikki</i>!"]


ROWS = [
    (1, 10, Role.MEMBER),
    (2, 10, Role.CHAIR),
    (3, 10, Role.COORDINATOR),
    (4, 20, Role.MEMBER),
    (5, 20, Role.VICE_CHAIR),
    (6, None, Role.LEAD_COORDINATOR),
    (7, 20, Role.YOUTH_REP),
]


def test_members_of_chosen_tables_with_their_coordinators() -> None:
    assert recipients_by_role(ROWS, {10}, Audience.MEMBERS) == {1, 2, 3}
    assert recipients_by_role(ROWS, {10, 20}, Audience.MEMBERS) == {1, 2, 3, 4, 5, 7}


def test_chairs_only_and_coordinators_only() -> None:
    assert recipients_by_role(ROWS, {10, 20}, Audience.CHAIRS) == {2, 5}
    assert recipients_by_role(ROWS, {20}, Audience.COORDINATORS) == {6}
    assert recipients_by_role(ROWS, {10}, Audience.COORDINATORS) == {3, 6}


def test_routes_follow_each_persons_choice() -> None:
    people = [
        (1, 101, None, Channel.TELEGRAM),
        (2, 102, "b@example.fi", Channel.BOTH),
        (3, 103, "C@Example.fi", Channel.EMAIL),
        (4, None, None, Channel.TELEGRAM),  # never started the bot, no e-mail
        (5, None, "e@example.fi", Channel.TELEGRAM),  # e-mail known but not wanted
        (6, 106, None, Channel.EMAIL),  # wants e-mail only but gave no address
    ]
    routes = {person: reach(chat, address, channel) for person, chat, address, channel in people}
    telegram = {chat: person for person, (chat, _) in routes.items() if chat is not None}
    email = {address: person for person, (_, address) in routes.items() if address is not None}
    assert telegram == {101: 1, 102: 2}
    assert email == {"b@example.fi": 2, "c@example.fi": 3}
    assert sum(1 for chat, address in routes.values() if chat is None and address is None) == 3


@pytest.mark.parametrize(
    ("name", "mime", "allowed"),
    [
        ("esityslista.pdf", "application/pdf", True),
        ("muistio.DOCX", None, True),
        ("kokous.ics", "text/calendar", True),
        ("ohjelma.exe", "application/x-msdownload", False),
        ("skripti.sh", "text/x-shellscript", False),
        (None, None, False),
    ],
)
def test_file_types(name: str | None, mime: str | None, allowed: bool) -> None:
    assert file_allowed(name, mime) is allowed
