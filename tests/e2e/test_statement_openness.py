"""/lausunnot answers anyone, on purpose: approved and submitted statements are public records.

Drafts, statements still in a vote, and older versions of an approved text never show, however
the search word is chosen; asking changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from emulator.client import text_of
from storage.people import Table
from storage.statements import Statement, StatementStatus, StatementVersion
from tests.e2e.conftest import Harness
from views.text import day


async def _statement(
    harness: Harness,
    subject: str,
    status: StatementStatus,
    texts: list[str],
    *,
    approved: int | None = None,
    days_ago: int = 0,
) -> None:
    now = harness.clock.now()
    async with harness.db() as session:
        table = await session.scalar(select(Table).where(Table.slug == "pohjoinen"))
        assert table is not None
        statement = Statement(
            table_id=table.id,
            subject=subject,
            requester="Kaupunkiympäristö",
            city_due_at=now + timedelta(days=20),
            internal_due_at=now + timedelta(days=14),
            status=status,
            created_at=now - timedelta(days=30),
            approved_version=approved,
            approved_at=now - timedelta(days=days_ago) if approved else None,
        )
        session.add(statement)
        await session.flush()
        for number, text in enumerate(texts, start=1):
            session.add(
                StatementVersion(
                    statement_id=statement.id,
                    number=number,
                    text=text,
                    created_at=now,
                    source="text",
                )
            )


async def test_anyone_sees_approved_statements_and_never_drafts(harness: Harness) -> None:
    await _statement(harness, "Salainen luonnos", StatementStatus.DRAFTING, ["luonnossana"])
    await _statement(harness, "Äänestyksessä", StatementStatus.VOTING, ["äänestyssana"])
    await _statement(
        harness,
        "Puistosuunnitelma",
        StatementStatus.APPROVED,
        ["vanhasana puistosta", "Puisto on tärkeä."],
        approved=2,
        days_ago=1,
    )
    await _statement(
        harness, "Koulureitit", StatementStatus.SUBMITTED, ["Reitit turvallisiksi."], approved=1
    )
    resident = await harness.person("Riitta", None)
    stranger = await harness.user("Sami")
    zone = harness.app.settings.zone
    today = harness.clock.now().astimezone(zone).date()
    listing = (
        "Hyväksytyt lausunnot\n"
        f"• {day(today, 'fi')} Pohjoinen kumppanuuspöytä: Koulureitit\n"
        f"• {day(today - timedelta(days=1), 'fi')} Pohjoinen kumppanuuspöytä: Puistosuunnitelma"
    )
    await stranger.send("/lausunnot")  # the stranger's first word to the bot
    assert text_of(await stranger.expect_message()) == listing
    before = await harness.snapshot()
    for person in (resident, stranger):
        await person.send("/lausunnot")
        assert text_of(await person.expect_message()) == listing
        for word in ("luonnossana", "äänestyssana", "vanhasana", "Salainen"):
            await person.send(f"/lausunnot {word}")
            assert text_of(await person.expect_message()) == (
                f"Hakusanalla {word} ei löytynyt lausuntoja."
            )
        await person.send("/lausunnot tärkeä")
        assert text_of(await person.expect_message()) == (
            "Lausunnot, joissa on sana tärkeä\n"
            f"• {day(today - timedelta(days=1), 'fi')} Pohjoinen kumppanuuspöytä: "
            "Puistosuunnitelma"
        )
    await harness.idle()
    assert await harness.snapshot() == before
