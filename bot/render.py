"""Turning values into what a person reads: escaping, dates the Finnish way, role names."""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy

from storage.roles import Role

# The answer to a press or command this person's role does not allow.
NOT_ALLOWED = __("Sinulla ei ole oikeutta tähän.")

WEEKDAYS = {
    "fi": ("ma", "ti", "ke", "to", "pe", "la", "su"),
    "sv": ("mån", "tis", "ons", "tors", "fre", "lör", "sön"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}

ROLE_NAMES: dict[Role, LazyProxy] = {
    Role.MEMBER: __("jäsen"),
    Role.CHAIR: __("puheenjohtaja"),
    Role.VICE_CHAIR: __("varapuheenjohtaja"),
    Role.YOUTH_REP: __("nuorisovaltuuston edustaja"),
    Role.COORDINATOR: __("koordinaattori"),
    Role.LEAD_COORDINATOR: __("vastuukoordinaattori"),
}


def esc(text: object) -> str:
    """Anything a person typed, made safe for an HTML-formatted message."""
    return html.escape(str(text), quote=False)


def plain_text(markup: str) -> str:
    """An HTML message as e-mail text: tags dropped, entities turned back into characters."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def role_name(role: Role) -> str:
    return str(ROLE_NAMES[role])


def day(value: date, language: str) -> str:
    """`ti 14.1.2026` in Finnish and Swedish, `Tue 14.1.2026` in English."""
    weekday = WEEKDAYS.get(language, WEEKDAYS["fi"])[value.weekday()]
    return f"{weekday} {value.day}.{value.month}.{value.year}"


def clock_time(value: datetime) -> str:
    return f"{value.hour:02d}.{value.minute:02d}"


def moment(value: datetime, zone: ZoneInfo, language: str) -> str:
    """`ti 14.1.2026 klo 17.00`: a stored UTC time as the reader's local time."""
    local = value.astimezone(zone)
    return _("{day} klo {time}").format(day=day(local.date(), language), time=clock_time(local))


TELEGRAM_TEXT_LIMIT = 4096


def split_text(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split at paragraph, then line boundaries, so no message is cut mid-line or mid-tag.

    Lines are assumed to carry balanced tags; a single line longer than the limit is split at
    spaces as a last resort.
    """
    parts: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        for piece in _fit(paragraph, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                parts.append(current)
                current = piece
    if current:
        parts.append(current)
    return parts


def _fit(paragraph: str, limit: int) -> list[str]:
    if len(paragraph) <= limit:
        return [paragraph]
    pieces: list[str] = []
    current = ""
    for line in paragraph.split("\n"):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            pieces.append(line[:cut])
            line = line[cut:].lstrip()
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = line
    if current:
        pieces.append(current)
    return pieces
