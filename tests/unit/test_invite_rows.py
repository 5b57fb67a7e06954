"""Reading the coordinator's CSV of new members."""

from handlers.invites import read_csv_rows
from storage.invites import ImportProblem, parse_member_rows
from storage.roles import Role


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
