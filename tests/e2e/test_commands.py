"""Every everyday command as each role sees it, in plain Finnish."""

from __future__ import annotations

import pytest

from emulator.client import buttons, text_of
from storage.roles import Role
from tests.e2e.conftest import Harness

ROLES = [None, Role.MEMBER, Role.CHAIR, Role.COORDINATOR, Role.LEAD_COORDINATOR]
DENIED = "Tämä toiminto ei ole sinun käytössäsi. Paina /valikko, niin näet omat toimintosi."


def _all_buttons(message: dict) -> set[str]:
    return {text for row in buttons(message) for text in row}


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "resident")
async def test_help_and_menu_show_only_what_the_role_can_do(
    harness: Harness, role: Role | None
) -> None:
    person = await harness.person("Aino", role)
    await person.send("/apua")
    help_text = text_of(await person.expect_message())
    await person.send("/valikko")
    menu = _all_buttons(await person.expect_message(containing="Mitä haluat tehdä?"))

    assert "/valikko" in help_text and "/kieli" in help_text
    insider = role is not None
    coordinator = role in (Role.COORDINATOR, Role.LEAD_COORDINATOR)
    assert ("/jasenet" in help_text) is insider
    assert ("👥 Jäsenet" in menu) is insider
    assert ("/kutsu" in help_text) is coordinator
    assert ("✉️ Kutsu jäsen" in menu) is coordinator


async def test_a_resident_is_denied_the_member_list_and_invites(harness: Harness) -> None:
    await harness.person("Kaija", Role.COORDINATOR)
    resident = await harness.person("Aino", None)
    before = await harness.snapshot()
    await resident.send("/jasenet")
    assert text_of(await resident.expect_message()) == (
        "Jäsenlista on vain pöydän jäsenille.\n"
        "Jos olet jäsen, pyydä koordinaattorilta kutsulinkki."
    )
    await resident.send("/kutsu")
    assert text_of(await resident.expect_message()) == DENIED
    assert await harness.snapshot() == before


async def test_a_member_cannot_make_invites_even_with_forged_buttons(harness: Harness) -> None:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    member = await harness.person("Matti", Role.MEMBER)
    await member.send("/invite")
    assert text_of(await member.expect_message()) == DENIED

    await coordinator.send("/kutsu")
    question = await coordinator.expect_message(containing="Valitse kutsuttavan rooli")
    before = await harness.snapshot()
    # Matti replays the coordinator's button data in his own chat: data selects, never grants.
    table_id = (await harness.table()).id
    forged = dict(question, chat={"id": member.id, "type": "private"})
    answer = await member.press_data(forged, f"ir:{table_id}:member")
    assert answer["show_alert"] is True
    assert await harness.snapshot() == before


async def test_forged_invite_buttons_are_refused_by_the_table_check(harness: Harness) -> None:
    # The filter that loads the table refuses (Refused): an alert, and nothing is written.
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    other = await harness.person("Olli", Role.COORDINATOR, "keskusta")
    await coordinator.send("/kutsu")
    question = await coordinator.expect_message(containing="Valitse kutsuttavan rooli")
    table_id = (await harness.table()).id
    before = await harness.snapshot()
    refused = {"text": "Sinulla ei ole oikeutta tähän.", "show_alert": True}
    # Keskusta's coordinator forges Pohjoinen's buttons: he does not coordinate that table.
    forged = (await other.history())[-1]
    for data in (f"ir:{table_id}:member", f"ir:{table_id}:csv", f"it:{table_id}"):
        assert await other.press_data(forged, data) == refused
    # Only the lead coordinator hands out the coordinator role.
    assert await coordinator.press_data(question, f"ir:{table_id}:coordinator") == refused
    assert await harness.snapshot() == before
    await other.send("hei")  # no CSV import was started for him
    assert text_of(await other.expect_message()) == (
        "En ymmärtänyt. Paina /valikko, niin näet kaikki toiminnot."
    )


async def test_members_lists_the_table_chair_first(harness: Harness) -> None:
    member = await harness.person("Matti", Role.MEMBER)
    await harness.person("Pirjo", Role.CHAIR)
    await harness.person("Olli", Role.MEMBER, "keskusta")
    await member.send("/members")
    roster = text_of(await member.expect_message())
    assert roster.splitlines()[0] == "Pohjoinen kumppanuuspöytä"
    assert roster.index("Pirjo – puheenjohtaja") < roster.index("Matti – jäsen")
    assert "Olli" not in roster


async def test_me_shows_tables_roles_and_term(harness: Harness) -> None:
    chair = await harness.person("Pirjo", Role.CHAIR)
    await chair.send("/tiedot")
    me = text_of(await chair.expect_message())
    assert "Nimi: Pirjo" in me
    assert "Kieli: suomi" in me
    assert "• Pohjoinen kumppanuuspöytä: puheenjohtaja (kausi päättyy ma 31.5.2027)" in me


async def test_name_with_markup_is_shown_literally(harness: Harness) -> None:
    name = "<b>Bold</b> *star* _x_ [a](b) &amp; `c`"
    odd = await harness.person(name, Role.MEMBER)
    await odd.send("/jasenet")
    roster = await odd.expect_message()
    assert f"{name} – jäsen" in text_of(roster)
    bolds = [e for e in roster.get("entities", []) if e["type"] == "bold"]
    assert len(bolds) == 1, "only the table name is bold; the person's tags stay text"
    await odd.send("/start")
    assert f"Hei {name}!" in text_of(await odd.expect_message())


async def test_unknown_text_gets_a_pointer_to_the_menu(harness: Harness) -> None:
    member = await harness.person("Matti", Role.MEMBER)
    await member.send("mitä kuuluu?")
    assert text_of(await member.expect_message()) == (
        "En ymmärtänyt. Paina /valikko, niin näet kaikki toiminnot."
    )
    await member.send("/valikko")
    menu = await member.expect_message()
    answer = await member.press_data(menu, "zz:nothing")
    assert answer["text"] == "Tämä nappi ei ole enää käytössä. Paina /valikko."
    assert answer["show_alert"] is True


async def test_menu_buttons_open_the_same_views(harness: Harness) -> None:
    member = await harness.person("Matti", Role.MEMBER)
    await member.send("/valikko")
    await member.expect_message()
    await member.press("👥 Jäsenet")
    assert "Matti – jäsen" in text_of(await member.expect_message())
    await member.press("🙂 Omat tiedot")
    assert "Nimi: Matti" in text_of(await member.expect_message())
