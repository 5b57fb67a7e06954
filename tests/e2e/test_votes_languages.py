"""Statement notices and ballots reach a fi, a sv and an en member each in their own language."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from emulator.client import buttons, text_of
from storage.roles import Role
from tests.e2e.conftest import Harness
from tests.e2e.test_statements import (
    close_votes,
    fresh,
    last_id,
    new_request,
    open_card,
    say,
    start_vote,
    tap,
)
from tests.e2e.test_votes import start_ballot

# Finnish UI words that must not show in a Swedish or English copy (names people typed may).
FINNISH = (
    "Lausuntopyyntö",
    "Pöydän oma määräaika",
    " klo ",
    "Aikaa on",
    "Avaa lausunto",
    "Lausunnon hyväksyminen",
    "Hyväksytäänkö",
    "Äänestys päättyy",
    "Voit muuttaa",
    "Kannatan",
    "Vastustan",
    "Perustelu",
    "Äänestys päättyi",
    "Äänesti",
    "Tulos:",
    "Puheenjohtajan vaali",
    "Vaali on salainen",
    "Tyhjä",
)


def everything_in(message: dict[str, Any]) -> str:
    """The text and every button label of a message."""
    return "\n".join([text_of(message), *(label for row in buttons(message) for label in row)])


def assert_not_finnish(message: dict[str, Any]) -> None:
    shown = everything_in(message)
    assert [word for word in FINNISH if word in shown] == [], shown


async def three_readers(harness: Harness) -> tuple[Any, Any, Any, Any]:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    matti = await harness.person("Matti", language="fi")
    sven = await harness.person("Sven", language="sv")
    emma = await harness.person("Emma", language="en")
    return coordinator, matti, sven, emma


async def test_statement_notices_and_ballots_in_each_readers_language(harness: Harness) -> None:
    coordinator, matti, sven, emma = await three_readers(harness)
    await new_request(harness, coordinator)
    await say(coordinator, "15.1.2030", "pöydän oma määräaika")
    await say(coordinator, "8.1.2030 klo 12.00", "Lausuntopyyntö on tehty.")
    await harness.settle()

    # The request: heading, deadline and button in the reader's language.
    request = await fresh(matti, "📝 Lausuntopyyntö", 0)
    assert "Pöydän oma määräaika: ti 8.1.2030 klo 12.00" in text_of(request)
    assert buttons(request) == [["📝 Avaa lausunto"]]
    request = await fresh(sven, "📝 Begäran om utlåtande", 0)
    assert "Bordets egen tidsfrist: tis 8.1.2030 kl. 12.00" in text_of(request)
    assert buttons(request) == [["📝 Öppna utlåtandet"]]
    assert_not_finnish(request)
    request = await fresh(emma, "📝 Request for a statement", 0)
    assert "The table's own deadline: Tue 8.1.2030 at 12.00" in text_of(request)
    assert buttons(request) == [["📝 Open statement"]]
    assert_not_finnish(request)

    # A version, then the approval vote: question, closing time and buttons per reader.
    await open_card(coordinator)
    await tap(coordinator, "✍️ Lähetä luonnos", "Paina lopuksi Valmis.")
    await say(coordinator, "Puisto säilyy.", "Sain tekstin.")
    await tap(coordinator, "✅ Valmis", "Tallennettu: versio 1.")
    await start_vote(coordinator)
    await harness.settle()
    ballot = await fresh(matti, "🗳 Lausunnon hyväksyminen", 0)
    assert "Hyväksytäänkö lausunto, versio 1?" in text_of(ballot)
    assert "Äänestys päättyy" in text_of(ballot)
    assert buttons(ballot)[0] == ["Kannatan", "En ota kantaa"]
    assert buttons(ballot)[-1] == ["📝 Avaa lausunto"]
    ballot = await fresh(sven, "🗳 Godkännande av utlåtandet", 0)
    assert "Godkänns utlåtandet, version 1?" in text_of(ballot)
    assert "Omröstningen slutar" in text_of(ballot)
    assert buttons(ballot)[0] == ["Instämmer", "Avstår"]
    assert buttons(ballot)[-1] == ["📝 Öppna utlåtandet"]
    assert_not_finnish(ballot)
    ballot = await fresh(emma, "🗳 Approving the statement", 0)
    assert "Do we approve the statement, version 1?" in text_of(ballot)
    assert "The vote closes" in text_of(ballot)
    assert buttons(ballot)[0] == ["Agree", "Abstain"]
    assert buttons(ballot)[-1] == ["📝 Open statement"]
    assert_not_finnish(ballot)

    for person, agree in ((matti, "Kannatan"), (sven, "Instämmer"), (emma, "Agree")):
        await person.press(agree)
    harness.clock.advance(timedelta(days=1, minutes=1))
    assert await close_votes(harness) == 1
    result = await fresh(matti, "Äänestys päättyi", 0)
    assert "Tulos: Hyväksytty." in text_of(result)
    result = await fresh(sven, "Omröstningen har slutat", 0)
    assert_not_finnish(result)
    result = await fresh(emma, "The vote has closed", 0)
    assert_not_finnish(result)


async def test_an_election_in_each_readers_language(harness: Harness) -> None:
    coordinator, matti, sven, emma = await three_readers(harness)
    await start_ballot(coordinator, "Puheenjohtajan vaali")
    await fresh(coordinator, "Kuinka kauan äänestys on auki?", 0)
    assert (await coordinator.press("3 päivää"))["text"] == "Äänestys alkoi."
    await harness.settle()
    ballot = await fresh(matti, "🗳 Puheenjohtajan vaali", 0)
    assert "Vaali on salainen." in text_of(ballot)
    assert buttons(ballot)[-1] == ["Tyhjä"]
    ballot = await fresh(sven, "🗳 Val av ordförande", 0)
    assert_not_finnish(ballot)
    ballot = await fresh(emma, "🗳 Election of the chair", 0)
    assert_not_finnish(ballot)
    since = await last_id(emma)
    await emma.press("Emma", ballot)
    harness.clock.advance(timedelta(days=3, minutes=1))
    await close_votes(harness)
    result = await fresh(emma, "The vote has closed", since)
    assert "Election of the chair" in text_of(result)
    assert_not_finnish(result)
