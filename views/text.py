"""Turning values into what a person reads: escaping, dates the Finnish way, role names."""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy

from storage.roles import Role

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


# Telegram's limits, counted in UTF-16 code units of the visible text (after HTML parsing).
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _Tokens(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.tokens: list[tuple[str, str, str]] = []  # (kind, raw, name)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tokens.append(("open", self.get_starttag_text() or f"<{tag}>", tag))

    def handle_endtag(self, tag: str) -> None:
        self.tokens.append(("close", f"</{tag}>", tag))

    def handle_data(self, data: str) -> None:
        for chunk in re.split(r"(\n\n|\n| )", data):
            if chunk:
                self.tokens.append(("text", chunk, ""))

    def handle_entityref(self, name: str) -> None:
        self.tokens.append(("entity", f"&{name};", ""))

    def handle_charref(self, name: str) -> None:
        self.tokens.append(("entity", f"&#{name};", ""))


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split Telegram HTML into messages of at most `limit` visible characters (UTF-16).

    Cuts at paragraph breaks, else line breaks, else spaces; never inside a tag or an entity.
    Tags open at a cut are closed there and opened again at the start of the next part.
    """
    parser = _Tokens()
    parser.feed(text)
    parser.close()
    parts: list[str] = []
    current: list[str] = []
    stack: list[tuple[str, str]] = []  # (name, raw opening tag)
    # Where a cut could go: (index in current, rank, visible before it, tags open there).
    breaks: list[tuple[int, int, int, list[tuple[str, str]]]] = []
    visible = 0

    def cut(index: int, open_tags: list[tuple[str, str]]) -> None:
        nonlocal current, visible, breaks
        closing = "".join(f"</{name}>" for name, _ in reversed(open_tags))
        part = "".join(current[:index]).rstrip("\n ") + closing
        if _has_text(part):
            parts.append(part)
        rest = current[index:]
        while rest and rest[0] in ("\n\n", "\n", " "):
            rest.pop(0)
        current = [raw for _, raw in open_tags] + rest
        visible = sum(_visible(t) for t in current)
        breaks = []

    for kind, raw, name in parser.tokens:
        if kind == "open":
            stack.append((name, raw))
            current.append(raw)
            continue
        if kind == "close":
            for index in range(len(stack) - 1, -1, -1):
                if stack[index][0] == name:
                    del stack[index]
                    break
            current.append(raw)
            continue
        size = _visible(raw)
        while size > limit - visible and kind == "text" and size > limit:
            # A word longer than a whole message: cut it, there is no better place.
            head = _utf16_prefix(raw, limit - visible)
            if head:
                current.append(head)
                raw = raw[len(head) :]
            cut(len(current), list(stack))
            size = _visible(raw)
        if visible + size > limit:
            # The best kind of break that still fills a third of the message.
            best = max(breaks, key=lambda b: (b[2] >= limit // 3, b[1], b[0]), default=None)
            if best is not None:
                cut(best[0], best[3])
            else:
                cut(len(current), list(stack))
        current.append(raw)
        visible += size
        rank = {"\n\n": 3, "\n": 2, " ": 1}.get(raw, 0)
        if rank:
            breaks.append((len(current), rank, visible, list(stack)))
    part = "".join(current).strip("\n ")
    if _has_text(part):
        parts.append(part)
    return parts


def _visible(token: str) -> int:
    if token.startswith("<"):
        return 0
    if token.startswith("&") and token.endswith(";"):
        return 1
    return utf16_len(token)


def _utf16_prefix(text: str, units: int) -> str:
    """The longest start of `text` that takes at most `units` UTF-16 code units."""
    taken = 0
    for index, char in enumerate(text):
        taken += 2 if ord(char) > 0xFFFF else 1
        if taken > units:
            return text[:index]
    return text


def _has_text(part: str) -> bool:
    return bool(html.unescape(re.sub(r"<[^>]+>", "", part)).strip())


def visible_length(text: str) -> int:
    return utf16_len(html.unescape(re.sub(r"<[^>]+>", "", text)))
