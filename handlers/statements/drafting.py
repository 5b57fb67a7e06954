"""Drafting: naming the drafters, and a draft sent in parts or as a file becomes a version."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.routing import Refused, message_of
from handlers.statements.access import FormStatement, Right, StatementOf
from handlers.statements.common import ANSWER, Drafting, reply_privately
from notify.statements import post_new_version
from storage.audit import record
from storage.people import Person, Table
from storage.statements import (
    MAX_DRAFT_CHARS,
    Refusal,
    Statement,
    StatementStatus,
    StatementVersion,
    add_version,
    name_drafter,
    seated_at,
)
from views.common import NOT_ALLOWED
from views.documents import (
    DRAFT_FILE_TYPES,
    MAX_UPLOAD_BYTES,
    FileTooComplex,
    FileTooLarge,
    UnreadableFile,
    read_draft_file_safely,
)
from views.statements import (
    ASK_DRAFT,
    ASK_DRAFTER,
    DRAFT_PART_TAKEN,
    DRAFTER_NOT_SEATED,
    FILE_TOO_COMPLEX,
    FILE_TOO_LARGE,
    FILE_UNREADABLE,
    UNKNOWN_FILE_TYPE,
    DrafterPick,
    StatementAct,
    StatementButton,
    draft_markup,
    draft_refusal_text,
    drafter_markup,
    drafter_named,
    refusal_text,
    version_saved,
)


def create_router() -> Router:
    router = Router(name="statements.drafting")
    router.callback_query.register(
        choose_drafter,
        StatementButton.filter(F.act == StatementAct.DRAFTER),
        StatementOf(Right.LEAD),
    )
    router.callback_query.register(drafter_chosen, DrafterPick.filter(), StatementOf(Right.LEAD))
    router.callback_query.register(
        start_draft, StatementButton.filter(F.act == StatementAct.DRAFT), StatementOf()
    )
    router.message.register(draft_part, Drafting.collecting, ANSWER)
    router.callback_query.register(
        draft_done,
        Drafting.collecting,
        StatementButton.filter(F.act == StatementAct.DONE),
        StatementOf(),
    )
    router.message.register(draft_file, Drafting.collecting, F.document, FormStatement())
    return router


async def choose_drafter(
    query: CallbackQuery,
    statement: Statement,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
) -> None:
    await query.answer()
    seated = await seated_at(session, statement.table_id, clock.today(settings.zone))
    await reply_privately(query, str(ASK_DRAFTER), drafter_markup(statement.id, seated))


async def drafter_chosen(
    query: CallbackQuery,
    callback_data: DrafterPick,
    statement: Statement,
    person: Person,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
) -> None:
    seated = await seated_at(session, statement.table_id, clock.today(settings.zone))
    drafter = next((p for p in seated if p.id == callback_data.person_id), None)
    if drafter is None:
        raise Refused(DRAFTER_NOT_SEATED)
    added = await name_drafter(session, statement, drafter.id, person.id, clock.now())
    await query.answer(drafter_named(drafter.full_name, added))


async def start_draft(query: CallbackQuery, statement: Statement, state: FSMContext) -> None:
    if statement.status is not StatementStatus.DRAFTING:
        raise Refused(refusal_text(Refusal.NOT_DRAFTING))
    await query.answer()
    await state.clear()
    await state.set_state(Drafting.collecting)
    await state.update_data(statement_id=statement.id, parts=[])
    await reply_privately(query, str(ASK_DRAFT), draft_markup(statement.id))


async def draft_part(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    parts: list[str] = [*data.get("parts", []), message.text or ""]
    if sum(len(p) for p in parts) > MAX_DRAFT_CHARS:
        await message.answer(refusal_text(Refusal.TOO_LONG))
        return
    await state.update_data(parts=parts)
    await message.answer(str(DRAFT_PART_TAKEN), reply_markup=draft_markup(data["statement_id"]))


async def draft_done(
    query: CallbackQuery,
    statement: Statement,
    person: Person,
    session: AsyncSession,
    state: FSMContext,
    clock: Clock,
    bot: Bot,
    i18n: I18n,
) -> None:
    pressed = message_of(query)
    data = await state.get_data()
    if data.get("statement_id") != statement.id:
        raise Refused(NOT_ALLOWED)
    text = "\n\n".join(data.get("parts", []))
    version = await _save_version(statement, text, person, session, state, clock)
    if isinstance(version, Refusal):
        await query.answer(draft_refusal_text(version), show_alert=True)
        return
    await query.answer()
    await pressed.answer(version_saved(version.number))
    await _tell_group(session, bot, i18n, statement, version, person)


async def draft_file(
    message: Message,
    statement: Statement,
    person: Person,
    session: AsyncSession,
    state: FSMContext,
    clock: Clock,
    bot: Bot,
    i18n: I18n,
) -> None:
    document = message.document
    assert document is not None
    name = document.file_name or ""
    if not name.lower().endswith(DRAFT_FILE_TYPES):
        await message.answer(str(UNKNOWN_FILE_TYPE))
        return
    if (document.file_size or 0) > MAX_UPLOAD_BYTES:
        await message.answer(str(FILE_TOO_LARGE))
        return
    # Download and read outside the update's transaction: on SQLite it holds the write lock,
    # and everyone else's presses would wait for this file.
    await session.commit()
    downloaded = await bot.download(document.file_id)
    assert downloaded is not None
    try:
        text = await read_draft_file_safely(name, downloaded.read())
    except FileTooLarge:
        await message.answer(str(FILE_TOO_LARGE))
        return
    except FileTooComplex:
        await message.answer(str(FILE_TOO_COMPLEX))
        return
    except UnreadableFile:
        await message.answer(str(FILE_UNREADABLE))
        return
    await session.refresh(statement)  # it may have moved on while the file was read
    version = await _save_version(statement, text, person, session, state, clock, file_name=name)
    if isinstance(version, Refusal):
        await message.answer(draft_refusal_text(version))
        return
    await message.answer(version_saved(version.number))
    await _tell_group(session, bot, i18n, statement, version, person)


async def _save_version(
    statement: Statement,
    text: str,
    person: Person,
    session: AsyncSession,
    state: FSMContext,
    clock: Clock,
    file_name: str | None = None,
) -> StatementVersion | Refusal:
    """The draft as the next version, audited; the form ends unless the draft can be fixed."""
    now = clock.now()
    version = await add_version(
        session,
        statement,
        text=text,
        author_id=person.id,
        now=now,
        source="file" if file_name else "text",
        file_name=file_name,
    )
    if isinstance(version, Refusal):
        if version is Refusal.NOT_DRAFTING:
            await state.clear()
        return version
    await state.clear()
    await record(
        session,
        actor_id=person.id,
        action="statement.version",
        subject=f"statement:{statement.id}",
        detail={"number": version.number},
        at=now,
    )
    return version


async def _tell_group(
    session: AsyncSession,
    bot: Bot,
    i18n: I18n,
    statement: Statement,
    version: StatementVersion,
    author: Person,
) -> None:
    table = await session.get(Table, statement.table_id)
    assert table is not None
    await post_new_version(bot, i18n, table, statement, version.number, author.full_name)
