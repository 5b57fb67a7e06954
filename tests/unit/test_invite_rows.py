"""The coordinator's CSV of new members, read and written back with links."""

import csv
import io
from datetime import date

from bot.i18n import create_i18n
from handlers.invites import read_csv_rows
from storage.invites import ImportProblem, parse_member_rows
from storage.roles import INVITABLE_ROLES, Role
from views.invites import Invitee, MadeInvite, invites_csv
from views.text import FORMULA_STARTS


def test_semicolon_csv_with_header_and_finnish_role_words() -> None:
    data = "nimi;rooli;sähköposti\nMaija Meikäläinen;jäsen;maija@example.fi\nPekka Puu;pj;\n"
    rows = read_csv_rows(data.encode("utf-8-sig"))
    assert rows is not None
    parsed, problems = parse_member_rows(rows)
    assert problems == []
    assert [(r.name, r.role, r.email) for r in parsed] == [
        ("Maija Meikäläinen", Role.MEMBER, "maija@example.fi"),
        ("Pekka Puu", Role.CHAIR, None),
    ]


def test_comma_csv_in_windows_encoding() -> None:
    rows = read_csv_rows("Åke Ström,vpj,ake@example.fi\n".encode("cp1252"))
    assert rows == [["Åke Ström", "vpj", "ake@example.fi"]]


def test_bad_rows_are_reported_by_line() -> None:
    rows = [["nimi", "rooli"], ["", "jäsen"], ["Liisa", "kuningatar"], ["Olli", "jäsen", "ei"]]
    parsed, problems = parse_member_rows(rows)
    assert parsed == []
    assert problems == [
        ImportProblem(2, "name"),
        ImportProblem(3, "role"),
        ImportProblem(4, "email"),
    ]


def test_binary_garbage_is_unreadable() -> None:
    assert read_csv_rows(b"\x00\x01\xff\xfe\x00") is None


def test_every_invitable_role_has_its_button_and_many_at_once_has_one_more() -> None:
    assert [i.role for i in Invitee if i.role is not None] == list(INVITABLE_ROLES)
    assert Invitee.MANY.role is None


def test_the_csv_of_links_opens_in_finnish_spreadsheets() -> None:
    i18n = create_i18n("fi")
    with i18n.context():
        data = invites_csv(
            [MadeInvite("Pekka Puu", Role.CHAIR, None, "https://t.me/b?start=x", date(2026, 2, 1))]
        )
    assert data.decode("utf-8") == (
        "\ufeffnimi;rooli;sähköposti;kutsulinkki;vanhenee\r\n"
        "Pekka Puu;puheenjohtaja;;https://t.me/b?start=x;2026-02-01\r\n"
    )


def test_invite_csv_cells_never_run_as_spreadsheet_formulas() -> None:
    names = ['=HYPERLINK("http://evil.example","Avaa")', "+358401234567", "-1+1", "@SUM(A1)"]
    with create_i18n("fi").context():
        data = invites_csv(
            [
                MadeInvite(n, Role.MEMBER, None, "https://t.me/b?start=x", date(2026, 2, 1))
                for n in names
            ]
        )
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))[1:]
    assert [row[0] for row in rows] == ["'" + name for name in names]
    assert all(not cell.startswith(FORMULA_STARTS) for row in rows for cell in row)
