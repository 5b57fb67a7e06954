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
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.routing import command
from storage.audit import record
from storage.people import Person, Table, table_by_group, tables_in_order
from storage.roles import Access
from views.callbacks import LinkGroup
from views.common import NOT_ALLOWED

router = Router(name="groups")
in_groups = F.chat.type.in_({"group", "supergroup"})


@router.my_chat_member(in_groups, ChatMemberUpdatedFilter(JOIN_TRANSITION))
async def bot_added(event: ChatMemberUpdated) -> None:
    await event.answer(
        _(
            "Hei! Olen kumppanuuspöydän botti.\n\n"
            "Koordinaattori: liitä tämä ryhmä pöytään komennolla /link."
        )
    )


@router.my_chat_member(in_groups, ChatMemberUpdatedFilter(LEAVE_TRANSITION))
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


@router.my_chat_member(
    F.chat.type == "private", ChatMemberUpdatedFilter(IS_MEMBER >> IS_NOT_MEMBER)
)
async def bot_blocked(event: ChatMemberUpdated, person: Person | None) -> None:
    if person is not None:
        person.private_chat_open = False


@router.my_chat_member(
    F.chat.type == "private", ChatMemberUpdatedFilter(IS_NOT_MEMBER >> IS_MEMBER)
)
async def bot_unblocked(event: ChatMemberUpdated, person: Person | None) -> None:
    if person is not None:
        person.private_chat_open = True


@router.message(in_groups, command("link"))
async def link_command(
    message: Message, access: Access, session: AsyncSession, i18n: I18n
) -> None:
    tables = [t for t in await tables_in_order(session) if access.coordinates(t.id)]
    if not tables:
        await message.reply(_("Vain koordinaattori voi liittää ryhmän pöytään."))
        return
    builder = InlineKeyboardBuilder()
    for table in tables:
        builder.button(
            text=table.name(i18n.current_locale), callback_data=LinkGroup(table_id=table.id)
        )
    builder.adjust(1)
    await message.reply(_("Minkä pöydän ryhmä tämä on?"), reply_markup=builder.as_markup())


@router.callback_query(LinkGroup.filter())
async def link_chosen(
    query: CallbackQuery,
    callback_data: LinkGroup,
    access: Access,
    session: AsyncSession,
    person: Person | None,
    i18n: I18n,
) -> None:
    message = query.message
    table = await session.get(Table, callback_data.table_id)
    if (
        table is None
        or not access.coordinates(table.id)
        or not isinstance(message, Message)
        or message.chat.type not in {"group", "supergroup"}
    ):
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    other = await table_by_group(session, message.chat.id)
    if other is not None and other.id != table.id:
        await query.answer(
            _("Tämä ryhmä on jo liitetty: {table}.").format(table=other.name(i18n.current_locale)),
            show_alert=True,
        )
        return
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
    await message.edit_text(
        _("Valmis! Tämä ryhmä kuuluu nyt pöytään:\n{table}").format(
            table=table.name(i18n.current_locale)
        )
    )


@router.message(in_groups, F.migrate_to_chat_id)
async def group_upgraded(message: Message, session: AsyncSession) -> None:
    """A group that became a supergroup gets a new id; the table follows it."""
    assert message.migrate_to_chat_id is not None
    await _move_group(session, message.chat.id, message.migrate_to_chat_id)


@router.message(in_groups, F.migrate_from_chat_id)
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
