"""The table's Telegram group: the bot joins, a coordinator links it, upgrades and removals."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import ChatMemberUpdatedFilter
from aiogram.filters.chat_member_updated import (
    IS_MEMBER,
    IS_NOT_MEMBER,
    JOIN_TRANSITION,
    LEAVE_TRANSITION,
)
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.filters import CoordinatedTable
from handlers.routing import Refused, command, message_of
from storage.audit import record
from storage.people import Person, Table, table_by_group, tables_in_order
from storage.roles import Access
from views.common import NOT_ALLOWED
from views.groups import (
    HELLO,
    ONLY_COORDINATORS,
    WHICH_TABLE,
    LinkGroup,
    already_linked,
    linked,
    table_keyboard,
)

GROUPS = {"group", "supergroup"}
in_groups = F.chat.type.in_(GROUPS)
private = F.chat.type == "private"


def create_router() -> Router:
    router = Router(name="groups")
    router.my_chat_member.register(bot_added, in_groups, ChatMemberUpdatedFilter(JOIN_TRANSITION))
    router.my_chat_member.register(
        bot_removed, in_groups, ChatMemberUpdatedFilter(LEAVE_TRANSITION)
    )
    router.my_chat_member.register(
        bot_blocked, private, ChatMemberUpdatedFilter(IS_MEMBER >> IS_NOT_MEMBER)
    )
    router.my_chat_member.register(
        bot_unblocked, private, ChatMemberUpdatedFilter(IS_NOT_MEMBER >> IS_MEMBER)
    )
    router.message.register(link_command, in_groups, command("link"))
    router.callback_query.register(link_chosen, LinkGroup.filter(), CoordinatedTable())
    router.message.register(group_upgraded, in_groups, F.migrate_to_chat_id)
    router.message.register(supergroup_created, in_groups, F.migrate_from_chat_id)
    return router


async def bot_added(event: ChatMemberUpdated) -> None:
    await event.answer(str(HELLO))


async def bot_removed(
    event: ChatMemberUpdated, session: AsyncSession, person: Person | None
) -> None:
    table = await table_by_group(session, event.chat.id)
    if table is not None:
        table.group_chat_id = None
        await record(
            session,
            actor_id=person.id if person else None,
            action="group.removed",
            subject=f"table:{table.id}",
            detail={"chat_id": event.chat.id},
        )


async def bot_blocked(event: ChatMemberUpdated, person: Person | None) -> None:
    if person is not None:
        person.private_chat_open = False


async def bot_unblocked(event: ChatMemberUpdated, person: Person | None) -> None:
    if person is not None:
        person.private_chat_open = True


async def link_command(
    message: Message, access: Access, session: AsyncSession, i18n: I18n
) -> None:
    tables = [t for t in await tables_in_order(session) if access.coordinates(t.id)]
    if not tables:
        await message.reply(str(ONLY_COORDINATORS))
        return
    await message.reply(str(WHICH_TABLE), reply_markup=table_keyboard(tables, i18n.current_locale))


async def link_chosen(
    query: CallbackQuery, table: Table, session: AsyncSession, person: Person | None, i18n: I18n
) -> None:
    """`table` comes from `CoordinatedTable`: this person coordinates it."""
    message = message_of(query)
    if message.chat.type not in GROUPS:
        raise Refused(NOT_ALLOWED)
    other = await table_by_group(session, message.chat.id)
    if other is not None and other.id != table.id:
        raise Refused(already_linked(other, i18n.current_locale))
    previous = table.group_chat_id
    table.group_chat_id = message.chat.id
    table.group_is_forum = bool(message.chat.is_forum)
    await record(
        session,
        actor_id=person.id if person else None,
        action="group.link",
        subject=f"table:{table.id}",
        detail={"chat_id": message.chat.id, "previous": previous},
    )
    await query.answer()
    await message.edit_text(linked(table, i18n.current_locale))


async def group_upgraded(message: Message, session: AsyncSession) -> None:
    """A group that became a supergroup gets a new id; the table follows it."""
    assert message.migrate_to_chat_id is not None
    await _move_group(session, message.chat.id, message.migrate_to_chat_id)


async def supergroup_created(message: Message, session: AsyncSession) -> None:
    assert message.migrate_from_chat_id is not None
    await _move_group(
        session,
        message.migrate_from_chat_id,
        message.chat.id,
        is_forum=bool(message.chat.is_forum),
    )


async def _move_group(
    session: AsyncSession, old_id: int, new_id: int, is_forum: bool | None = None
) -> None:
    table = await table_by_group(session, old_id)
    if table is None:
        return
    table.group_chat_id = new_id
    if is_forum is not None:
        table.group_is_forum = is_forum
    await record(
        session,
        actor_id=None,
        action="group.upgrade",
        subject=f"table:{table.id}",
        detail={"from": old_id, "to": new_id},
    )
