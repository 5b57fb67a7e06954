"""Callback data of the foundation's buttons. They select; the handler re-checks the role."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class MenuItem(CallbackData, prefix="m"):
    item: str


class PickLanguage(CallbackData, prefix="lang"):
    language: str


class InviteTable(CallbackData, prefix="it"):
    table_id: int


class InviteRole(CallbackData, prefix="ir"):
    table_id: int
    role: str


class LinkGroup(CallbackData, prefix="lg"):
    table_id: int


class Cancel(CallbackData, prefix="x"):
    what: str
