"""Personal data: group chatters are not stored, /omattiedot, erasure, and retention."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import func, or_, select

from emulator.client import text_of
from scheduler.retention import forget_old
from storage.announcements import (
    Acknowledgement,
    Announcement,
    AnnouncementStatus,
    Audience,
    Channel,
    ContactPreference,
    Reply,
)
from storage.audit import AuditEntry, record
from storage.base import Base
from storage.invites import Invite
from storage.meeting_rules import Answer, MeetingKind
from storage.meetings import Meeting, MeetingSlot, MeetingStatus, SlotVote
from storage.outbox import Delivery, EmailMessage, OutboxKind, OutboxMessage
from storage.people import Membership, Person
from storage.personal import ERASED_NAME, POLICIES, Erase
from storage.reminders import ReminderPreference
from storage.roles import Role
from storage.statements import DissentingOpinion, Statement, StatementStatus, StatementVersion
from storage.updates import ProcessedUpdate
from storage.vote_rules import Choice
from storage.votes import Ballot, BallotKind, BallotStatus, OpenVote
from tests.e2e.conftest import Harness, shown

NAME = "Matti Meikäläinen"
EMAIL = "matti@example.fi"


async def test_someone_who_only_chats_in_the_group_is_not_stored(harness: Harness) -> None:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    member = await harness.person("Matti", Role.MEMBER)
    outi = await harness.user("Outi", username="outi_ryhmassa")
    group = await harness.emu.create_group("Pohjoisen pöytä", members=[coordinator, member, outi])
    await group.add_bot(by=coordinator)
    await group.expect_message(containing="Hei! Olen kumppanuuspöydän botti.")
    async with harness.db() as session:
        before = await session.scalar(select(func.count()).select_from(Person))
    await outi.send("Moi kaikki, nähdään torstaina!", chat=group)
    await outi.send("/help", chat=group)
    await member.send("Minä tulen myös.", chat=group)
    await harness.settle()
    async with harness.db() as session:
        assert await session.scalar(select(Person).where(Person.telegram_id == outi.id)) is None
        names = set(await session.scalars(select(Person.first_name)))
        usernames = set(await session.scalars(select(Person.username)))
        after = await session.scalar(select(func.count()).select_from(Person))
    assert "Outi" not in names and "outi_ryhmassa" not in usernames
    assert after == before
    # Once Outi opens a private chat she is someone the bot serves, and stored.
    await outi.send("/start")
    await outi.expect_message()
    async with harness.db() as session:
        assert await session.scalar(select(Person).where(Person.telegram_id == outi.id))


async def _seed(harness: Harness, telegram_id: int) -> dict[str, int]:
    """A member's trail through most features, written as the features would write it."""
    now = harness.clock.now()
    table = await harness.table()
    async with harness.db() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
        assert person is not None
        # Names come from Telegram on every update; the e-mail is the bot's own.
        person.email = EMAIL
        pid = person.id
        announcement = Announcement(
            author_id=pid,
            text="Kokous siirtyy.",
            table_ids=[table.id],
            audience=Audience.MEMBERS,
            pin=False,
            ask_ack=True,
            status=AnnouncementStatus.DONE,
            send_at=now,
            created_at=now,
            parts=1,
            never_started=0,
            progress_chat_id=telegram_id,
            progress_text=f"Lähetetty, kirjoitti {NAME}",
        )
        session.add(announcement)
        await session.flush()
        session.add_all(
            [
                Acknowledgement(announcement_id=announcement.id, person_id=pid, at=now),
                Reply(
                    announcement_id=announcement.id,
                    person_id=pid,
                    text=f"Terveisin {NAME}",
                    created_at=now,
                ),
                ContactPreference(person_id=pid, channel=Channel.BOTH, updated_at=now),
                ReminderPreference(person_id=pid, kinds_off=[], digest=True),
                OutboxMessage(
                    batch="test:1",
                    chat_id=telegram_id,
                    person_id=pid,
                    kind=OutboxKind.TEXT,
                    payload={"text": f"Hei {NAME}!"},
                    status=Delivery.SENT,
                    not_before=now,
                    created_at=now,
                ),
                EmailMessage(
                    batch="test:1/mail",
                    address=EMAIL,
                    person_id=pid,
                    subject="Kokous",
                    body=f"Hei {NAME}!",
                    status=Delivery.SENT,
                    not_before=now,
                    created_at=now,
                ),
                Invite(
                    token="matin-kutsu",
                    table_id=table.id,
                    role=Role.MEMBER,
                    invitee_name=NAME,
                    invitee_email=EMAIL,
                    created_at=now,
                    expires_at=now + timedelta(days=30),
                    used_at=now,
                    used_by=pid,
                ),
            ]
        )
        await record(
            session,
            actor_id=None,
            action="invite.create",
            subject=f"table:{table.id}",
            detail={"role": "member", "name": NAME},
            at=now,
        )
        statement = Statement(
            table_id=table.id,
            subject="Kaavoitus",
            requester="Kaupunki",
            city_due_at=now + timedelta(days=30),
            internal_due_at=now + timedelta(days=20),
            status=StatementStatus.APPROVED,
            created_by=pid,
            created_at=now,
        )
        session.add(statement)
        await session.flush()
        session.add_all(
            [
                StatementVersion(
                    statement_id=statement.id,
                    number=1,
                    text="Puisto säilytetään.",
                    author_id=pid,
                    created_at=now,
                    source="text",
                ),
                DissentingOpinion(
                    statement_id=statement.id,
                    person_id=pid,
                    text="Olen eri mieltä.",
                    created_at=now,
                ),
            ]
        )
        ballots = {}
        for status in (BallotStatus.CLOSED, BallotStatus.OPEN):
            ballot = Ballot(
                table_id=table.id,
                kind=BallotKind.PROPOSAL,
                title=f"Esitys {status.value}",
                secret=False,
                options=[],
                created_by=pid,
                opened_at=now - timedelta(days=1),
                closes_at=now + timedelta(days=1000),
                status=status,
                result={"agree": 1} if status is BallotStatus.CLOSED else None,
            )
            session.add(ballot)
            await session.flush()
            ballots[status] = ballot.id
            session.add(
                OpenVote(
                    ballot_id=ballot.id,
                    person_id=pid,
                    choice=Choice.AGREE,
                    reason="Hyvä esitys.",
                    cast_at=now,
                    changed_at=now,
                )
            )
        meeting = Meeting(
            table_id=table.id,
            kind=MeetingKind.REGULAR,
            title="Syyskokous",
            status=MeetingStatus.POLLING,
            created_by_id=pid,
            created_at=now,
        )
        session.add(meeting)
        await session.flush()
        slot = MeetingSlot(
            meeting_id=meeting.id,
            starts_at=now + timedelta(days=9),
            ends_at=now + timedelta(days=9, hours=2),
        )
        session.add(slot)
        await session.flush()
        session.add(SlotVote(slot_id=slot.id, person_id=pid, answer=Answer.YES, answered_at=now))
    return {
        "person": pid,
        "closed": ballots[BallotStatus.CLOSED],
        "open": ballots[BallotStatus.OPEN],
    }


async def _everything(harness: Harness) -> dict[str, str]:
    """Each table's cells as one text, to search for traces of a person."""
    return {
        name: "\n".join(str(cell) for row in rows for cell in row)
        for name, rows in (await harness.snapshot()).items()
    }


async def _assert_erased(harness: Harness, ids: dict[str, int], telegram_id: int) -> None:
    pid = ids["person"]
    async with harness.db() as session:
        person = await session.get(Person, pid)
        assert person is not None
        assert (person.first_name, person.last_name, person.username, person.email) == (
            ERASED_NAME,
            None,
            None,
            None,
        )
        assert person.telegram_id is None and person.erased_at is not None
        for name, policy in POLICIES.items():
            table = Base.metadata.tables[name]
            where = policy.erase_where or policy.person_columns
            if name == "people" or not where:
                continue
            mine = table.select().where(or_(*[table.c[c] == pid for c in where]))
            rows = list((await session.execute(mine)).mappings())
            if policy.erase is Erase.DELETE:
                assert rows == [], name
            if policy.erase is Erase.BLANK:
                assert all(row[c] is None for row in rows for c in policy.blank), name
        # Decisions and documents stay, with the placeholder as their author.
        assert await session.scalar(select(func.count()).select_from(StatementVersion)) == 1
        assert await session.scalar(select(func.count()).select_from(DissentingOpinion)) == 1
        votes = list(await session.scalars(select(OpenVote.ballot_id)))
        assert votes == [ids["closed"]]
        closed = await session.get(Ballot, ids["closed"])
        assert closed is not None and closed.result == {"agree": 1}
        assert (
            await session.scalar(
                select(func.count()).select_from(Membership).where(Membership.person_id == pid)
            )
            == 0
        )
        erased = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "person.erased"))
        )
        assert [(e.subject, e.detail) for e in erased][-1][0] == f"person:{pid}"
        chats = select(func.count()).select_from(OutboxMessage)
        assert await session.scalar(chats.where(OutboxMessage.chat_id == telegram_id)) == 0
    everything = await _everything(harness)
    for trace in (NAME, EMAIL, "Terveisin"):
        # SQLite hands JSON columns back as text with non-ASCII escaped.
        forms = {trace, json.dumps(trace)[1:-1]}
        found = [name for name, rows in everything.items() if any(f in rows for f in forms)]
        assert found == [], trace


async def test_my_data_comes_as_two_files_in_my_language(harness: Harness) -> None:
    matti = await harness.person("Matti", Role.MEMBER)
    await _seed(harness, matti.id)
    await matti.send("/omattiedot")
    readable = await matti.expect_message(
        matching=lambda m: "document" in m and m["document"]["file_name"] == "omat-tiedot.txt"
    )
    assert text_of(readable) == "Tässä ovat kaikki tiedot, jotka botti on tallentanut sinusta."
    machine = await matti.expect_message(matching=lambda m: "document" in m)
    assert machine["document"]["file_name"] == "omat-tiedot.json"
    await matti.expect_message(containing="Voit myös poistaa tietosi.")
    text = (await harness.emu.download(readable["document"]["file_id"])).decode()
    assert text.startswith("Tiedot, jotka botti on tallentanut sinusta\nTehty ")
    for expected in (
        "== Henkilötiedot (1) ==",
        "Etunimi: Matti",
        f"Sähköposti: {EMAIL}",
        "== Roolit pöydissä (1) ==",
        "Rooli: jäsen",
        "== Vastauksesi tiedotteisiin (1) ==",
        f"Teksti: Terveisin {NAME}",
        "== Äänesi avoimissa äänestyksissä (2) ==",
        "== Eriävät mielipiteesi (1) ==",
        "== Viestit, jotka botti lähetti sinulle (1) ==",
        "== Sähköpostit, jotka lähetettiin sinulle (1) ==",
    ):
        assert expected in text, expected
    data = json.loads(await harness.emu.download(machine["document"]["file_id"]))
    tables = data["tables"]
    assert tables["people"][0]["email"] == EMAIL
    assert tables["invites"][0]["invitee_name"] == NAME
    assert "token" not in tables["invites"][0]
    assert {row["reason"] for row in tables["open_votes"]} == {"Hyvä esitys."}
    assert "secret_choices" not in tables


async def test_my_data_in_swedish_and_never_in_a_group(harness: Harness) -> None:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    sven = await harness.person("Sven", Role.MEMBER, language="sv")
    await sven.send("/mydata")
    readable = await sven.expect_message(matching=lambda m: "document" in m)
    assert readable["document"]["file_name"] == "mina-uppgifter.txt"
    assert text_of(readable) == "Här är alla uppgifter som boten har sparat om dig."
    text = (await harness.emu.download(readable["document"]["file_id"])).decode()
    assert "== Personuppgifter (1) ==" in text and "Roll: medlem" in text
    group = await harness.emu.create_group("Pöytä", members=[coordinator, sven])
    await group.add_bot(by=coordinator)
    await group.expect_message()
    await harness.settle()
    await sven.send("/omattiedot", chat=group)
    reply = await group.expect_message(containing="privat")
    assert text_of(reply) == (
        "Dina uppgifter skickar jag bara i ett privat meddelande. Skriv /mydata till mig."
    )
    assert not any("document" in m for m in await sven.history(group))


async def test_a_member_erases_their_own_data_after_confirming(harness: Harness) -> None:
    matti = await harness.person("Matti", Role.MEMBER)
    ids = await _seed(harness, matti.id)
    await matti.send("/tiedot")
    await matti.expect_message(containing="Nimi:")
    await matti.press("🗑 Poista tietoni")
    await matti.expect_message(containing="Haluatko varmasti poistaa tietosi?")
    # Peru keeps everything.
    before = await harness.snapshot()
    await matti.press("Peru")
    await shown(matti, "Tietoja ei poistettu.")
    assert await harness.snapshot() == before
    await matti.press("🗑 Poista tietoni")
    await matti.expect_message(containing="Haluatko varmasti poistaa tietosi?")
    await matti.press("Kyllä, poista tietoni")
    await shown(matti, "Tietosi on poistettu.")
    await harness.settle()
    await _assert_erased(harness, ids, matti.id)
    async with harness.db() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "person.erased")
        )
        assert entry is not None and entry.detail == {"by": "self"} and entry.actor_id is None
    # Afterwards the bot does not know Matti: he is a stranger again.
    await matti.send("/jasenet")
    assert "vain pöydän jäsenille" in text_of(await matti.expect_message())


async def test_a_coordinator_erases_a_member_on_request(harness: Harness) -> None:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    other = await harness.person("Eero", Role.COORDINATOR, table="etelainen")
    matti = await harness.person("Matti", Role.MEMBER)
    chair = await harness.person("Pia", Role.CHAIR)
    ids = await _seed(harness, matti.id)
    await coordinator.send("/jasenet")
    await coordinator.expect_message(containing="Pohjoinen kumppanuuspöytä")
    await coordinator.press("🗑 Poista jäsenen tiedot (Pohjoinen kumppanuuspöytä)")
    pick = await coordinator.expect_message(containing="Kenen tiedot poistetaan?")
    labels = [b["text"] for row in pick["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["Pia – puheenjohtaja", "Matti – jäsen", "Peru"]
    await coordinator.press("Matti – jäsen")
    await shown(coordinator, "Poistetaanko henkilön Matti tiedot?")
    question = (await coordinator.history())[-1]
    confirm = question["reply_markup"]["inline_keyboard"][0][0]["callback_data"]

    # Nobody else may press it: the chair, another table's coordinator, Matti himself.
    before = await harness.snapshot()
    for stranger in (chair, other, matti):
        own = (await stranger.history())[-1]
        answer = await stranger.press_data(own, confirm)
        assert answer["text"] == "Sinulla ei ole oikeutta tähän.", stranger
    # Nor may Kaija erase a coordinator by forging the person.
    kaija_id = await _person_id(harness, coordinator.id)
    table = await harness.table()
    answer = await coordinator.press_data(question, f"em:yes:{table.id}:{kaija_id}")
    assert answer["text"].startswith("Tämän henkilön tietoja et voi poistaa.")
    assert await harness.snapshot() == before

    # Matti had a form open: it is forgotten with him.
    fsm = harness.app.dispatcher.fsm.storage
    key = StorageKey(bot_id=harness.app.bot.id, chat_id=matti.id, user_id=matti.id)
    await fsm.set_state(key, "StatementForm:subject")
    await fsm.set_data(key, {"subject": "Matin luonnos"})
    await coordinator.press("Kyllä, poista")
    await shown(coordinator, "Henkilön tiedot on poistettu.")
    await harness.settle()
    await _assert_erased(harness, ids, matti.id)
    assert await fsm.get_state(key) is None and await fsm.get_data(key) == {}
    async with harness.db() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "person.erased")
        )
        assert entry is not None and entry.detail == {"by": "coordinator"}
        assert entry.actor_id == kaija_id
    # Pressing again changes nothing: Matti is no longer a member of the table.
    before = await harness.snapshot()
    answer = await coordinator.press_data(question, confirm)
    assert answer["text"].startswith("Tämän henkilön tietoja et voi poistaa.")
    assert await harness.snapshot() == before


async def _person_id(harness: Harness, telegram_id: int) -> int:
    async with harness.db() as session:
        found = await session.scalar(select(Person.id).where(Person.telegram_id == telegram_id))
        assert found is not None
        return found


async def test_two_presses_at_once_erase_once(harness: Harness) -> None:
    matti = await harness.person("Matti", Role.MEMBER)
    ids = await _seed(harness, matti.id)
    await matti.send("/tiedot")
    await matti.expect_message(containing="Nimi:")
    await matti.press("🗑 Poista tietoni")
    question = await matti.expect_message(containing="Haluatko varmasti poistaa tietosi?")
    await asyncio.gather(
        matti.press("Kyllä, poista tietoni", question),
        matti.press("Kyllä, poista tietoni", question),
    )
    await harness.settle()
    async with harness.db() as session:
        erased = list(
            await session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "person.erased",
                    AuditEntry.subject == f"person:{ids['person']}",
                )
            )
        )
        named = await session.scalar(
            select(func.count()).select_from(Person).where(Person.email == EMAIL)
        )
    # The later press finds Matti erased, or (once the first committed) meets a stranger with
    # nothing stored; either way Matti is erased once.
    assert (len(erased), named) == (1, 0)


async def test_retention_forgets_what_is_old_and_keeps_the_records(harness: Harness) -> None:
    matti = await harness.person("Matti", Role.MEMBER)
    ids = await _seed(harness, matti.id)
    app = harness.app

    async def rows() -> dict[str, Any]:
        async with harness.db() as session:
            outbox = await session.scalar(
                select(OutboxMessage).where(OutboxMessage.batch == "test:1")
            )
            invite = await session.scalar(select(Invite).where(Invite.token == "matin-kutsu"))
            audit = await session.scalar(
                select(AuditEntry).where(AuditEntry.action == "invite.create")
            )
            assert outbox is not None and invite is not None and audit is not None
            return {
                "outbox": outbox.payload,
                "email": await session.scalar(select(func.count()).select_from(EmailMessage)),
                "replies": await session.scalar(select(func.count()).select_from(Reply)),
                "acks": await session.scalar(select(func.count()).select_from(Acknowledgement)),
                "audit": audit.detail,
                "invitee": invite.invitee_name,
                "updates": await session.scalar(select(func.count()).select_from(ProcessedUpdate)),
                "records": (
                    await session.scalar(select(func.count()).select_from(StatementVersion)),
                    await session.scalar(select(func.count()).select_from(OpenVote)),
                    (await session.get(Ballot, ids["closed"])).result,  # type: ignore[union-attr]
                    await session.scalar(select(func.count()).select_from(Meeting)),
                ),
            }

    start = await rows()
    records = start["records"]
    assert start["updates"] > 0
    await forget_old(app.sessionmaker, harness.clock, app.settings)
    assert await rows() == start  # nothing is old yet

    harness.clock.advance(timedelta(days=31))
    await forget_old(app.sessionmaker, harness.clock, app.settings)
    month = await rows()
    assert month["outbox"] == {} and month["email"] == 0 and month["updates"] == 0
    assert (month["replies"], month["acks"]) == (1, 1)
    assert month["invitee"] == NAME and month["audit"]["name"] == NAME

    harness.clock.advance(timedelta(days=335 + 1))
    await forget_old(app.sessionmaker, harness.clock, app.settings)
    year = await rows()
    assert (year["replies"], year["acks"]) == (0, 0)
    assert year["invitee"] is None and year["audit"]["name"] == NAME

    harness.clock.advance(timedelta(days=365))
    await forget_old(app.sessionmaker, harness.clock, app.settings)
    later = await rows()
    assert later["audit"] == {}
    assert later["records"] == records
    print(f"\nretention: kept records {records}; after 2 years {later}")
    # The job runs daily in the bot.
    assert app.ticker._scheduler.get_job("retention") is not None


async def test_erasure_buttons_stay_out_of_groups(harness: Harness) -> None:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    matti = await harness.person("Matti", Role.MEMBER)
    group = await harness.emu.create_group("Pohjoisen pöytä", members=[coordinator, matti])
    await group.add_bot(by=coordinator)
    await group.expect_message()
    await coordinator.send("/jasenet", chat=group)
    roster = await group.expect_message(containing="Pohjoinen kumppanuuspöytä")
    assert not roster.get("reply_markup")
    matti_id = await _person_id(harness, matti.id)
    table = await harness.table()
    before = await harness.snapshot()
    for data in (f"em:ask:{table.id}:0", f"em:yes:{table.id}:{matti_id}"):
        answer = await coordinator.press_data(roster, data)
        assert answer["text"] == "Sinulla ei ole oikeutta tähän."
    assert await harness.snapshot() == before
