"""Telegram's stand-in senders are nobody: they never become a person with rights."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram.types import Chat, Message, Update, User

from bot.middlewares import ANONYMOUS_ADMIN_ID, _sender

GROUP = Chat(id=-100123, type="supergroup", title="Pöytä")


def _update(user: User, sender_chat: Chat | None = None) -> tuple[Update, dict]:
    message = Message(
        message_id=1,
        date=datetime.now(UTC),
        chat=GROUP,
        from_user=user,
        sender_chat=sender_chat,
        text="/link",
    )
    return Update(update_id=1, message=message), {"event_from_user": user}


def test_a_real_person_is_someone() -> None:
    matti = User(id=42, is_bot=False, first_name="Matti")
    assert _sender(*_update(matti)) == matti


def test_anonymous_admin_is_nobody() -> None:
    anonymous = User(id=ANONYMOUS_ADMIN_ID, is_bot=True, first_name="Group")
    assert _sender(*_update(anonymous, sender_chat=GROUP)) is None


def test_a_channel_posting_in_the_group_is_nobody() -> None:
    channel_bot = User(id=136817688, is_bot=True, first_name="Channel")
    channel = Chat(id=-100999, type="channel", title="Uutiset")
    assert _sender(*_update(channel_bot, sender_chat=channel)) is None


def test_a_person_speaking_as_a_channel_is_nobody() -> None:
    matti = User(id=42, is_bot=False, first_name="Matti")
    channel = Chat(id=-100999, type="channel", title="Matin kanava")
    assert _sender(*_update(matti, sender_chat=channel)) is None
