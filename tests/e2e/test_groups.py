"""The table's Telegram group: adding the bot, linking, upgrading, forums and removal."""

from __future__ import annotations

from sqlalchemy import select

from emulator.client import text_of
from storage.audit import AuditEntry
from storage.roles import Role
from tests.e2e.conftest import Harness, shown


async def _linked_group(harness: Harness, *, forum: bool = False):
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    member = await harness.person("Matti", Role.MEMBER)
    group = await harness.emu.create_group(
        "Pohjoisen pöytä", members=[coordinator, member], supergroup=forum, forum=forum
    )
    await group.add_bot(by=coordinator)
    hello = await group.expect_message(containing="Hei! Olen kumppanuuspöydän botti.")
    assert "/link" in text_of(hello)
    await coordinator.send("/liita", chat=group)
    await group.expect_message(containing="Minkä pöydän ryhmä tämä on?")
    await coordinator.press("Pohjoinen kumppanuuspöytä", chat=group)
    await shown(coordinator, "Valmis! Tämä ryhmä kuuluu nyt pöytään:", chat=group)
    return coordinator, member, group


async def test_coordinator_links_the_group_with_a_button(harness: Harness) -> None:
    # Also the regression test for "reply shown before its change was committed" (PostgreSQL).
    _, _, group = await _linked_group(harness)
    table = await harness.table()
    assert table.group_chat_id == group.id
    assert table.group_is_forum is False
    async with harness.db() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert "group.link" in actions


async def test_a_member_cannot_link_a_group(harness: Harness) -> None:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    member = await harness.person("Matti", Role.MEMBER)
    group = await harness.emu.create_group("Jokin ryhmä", members=[coordinator, member])
    await group.add_bot(by=coordinator)
    await group.expect_message()
    before = await harness.snapshot()
    await member.send("/link", chat=group)
    reply = await group.expect_message()
    assert text_of(reply) == "Vain koordinaattori voi liittää ryhmän pöytään."
    # Nor by pressing the coordinator's button.
    await coordinator.send("/link", chat=group)
    await group.expect_message(containing="Minkä pöydän ryhmä tämä on?")
    answer = await member.press("Pohjoinen kumppanuuspöytä", chat=group)
    assert answer["text"] == "Sinulla ei ole oikeutta tähän."
    assert await harness.snapshot() == before


async def test_group_upgrade_to_supergroup_keeps_the_link(harness: Harness) -> None:
    coordinator, _, group = await _linked_group(harness)
    old_id = group.id
    await group.upgrade(by=coordinator)
    assert group.id != old_id
    await harness.settle()
    table = await harness.table()
    assert table.group_chat_id == group.id


async def test_forum_group_is_recorded(harness: Harness) -> None:
    await _linked_group(harness, forum=True)
    table = await harness.table()
    assert table.group_is_forum is True


async def test_removing_the_bot_unlinks_the_group(harness: Harness) -> None:
    coordinator, _, group = await _linked_group(harness)
    await group.remove_bot(by=coordinator)
    await harness.settle()
    table = await harness.table()
    assert table.group_chat_id is None
    async with harness.db() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert "group.removed" in actions
