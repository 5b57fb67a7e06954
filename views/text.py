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


# A cell starting with one of these is a formula to Excel and LibreOffice (=HYPERLINK(…)).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> str:
    """A value for a CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


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


# A piece of Telegram HTML: ("open" | "close" | "text" | "entity", raw text, tag name).
_Token = tuple[str, str, str]
_SEPARATORS = {"\n\n": 3, "\n": 2, " ": 1}  # where a cut may go, best first


class _Tokens(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.tokens: list[_Token] = []

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
    current: list[_Token] = []
    visible = 0
    for token in parser.tokens:
        size = _visible(token)
        while token[0] == "text" and size > limit:
            # A word longer than a whole message: cut it, there is no better place.
            head = _utf16_prefix(token[1], limit - visible)
            if not head and visible == 0:
                head = token[1][0]  # a limit too small for one character: never loop forever
            if head:
                current.append(("text", head, ""))
            current = _cut(current, len(current), parts)
            token = ("text", token[1][len(head) :], "")
            visible, size = _visible_sum(current), _visible(token)
        while visible + size > limit:
            current = _cut(current, _best_break(current, limit), parts)
            visible = _visible_sum(current)
        current.append(token)
        visible += size
    _cut(current, len(current), parts)
    return parts


def _visible(token: _Token) -> int:
    kind, raw, _ = token
    if kind in ("open", "close"):
        return 0
    return utf16_len(html.unescape(raw) if kind == "entity" else raw)


def _visible_sum(tokens: list[_Token]) -> int:
    return sum(_visible(t) for t in tokens)


def _open_tags(tokens: list[_Token]) -> list[_Token]:
    """The tags still open after `tokens`, outermost first."""
    stack: list[_Token] = []
    for token in tokens:
        if token[0] == "open":
            stack.append(token)
        elif token[0] == "close":
            for index in range(len(stack) - 1, -1, -1):
                if stack[index][2] == token[2]:
                    del stack[index]
                    break
    return stack


def _best_break(tokens: list[_Token], limit: int) -> int:
    """Where to end a part: after the best kind of break that still fills a third of it."""
    best: tuple[bool, int, int] | None = None
    visible = 0
    for index, token in enumerate(tokens):
        visible += _visible(token)
        rank = _SEPARATORS.get(token[1], 0) if token[0] == "text" else 0
        if rank:
            candidate = (visible >= limit // 3, rank, index + 1)
            best = candidate if best is None else max(best, candidate)
    return best[2] if best is not None else len(tokens)


def _cut(tokens: list[_Token], index: int, parts: list[str]) -> list[_Token]:
    """End a part before `tokens[index]` (if it shows anything); return the next part's start."""
    open_tags = _open_tags(tokens[:index])
    closing = "".join(f"</{name}>" for _, _, name in reversed(open_tags))
    part = "".join(raw for _, raw, _ in tokens[:index]).strip("\n ") + closing
    if _has_text(part):
        parts.append(part)
    rest = tokens[index:]
    while rest and rest[0][0] == "text" and rest[0][1] in _SEPARATORS:
        rest.pop(0)
    reopened = list(open_tags)
    # A tag closed right at the cut is not opened again just to be closed.
    while rest and reopened and rest[0][0] == "close" and rest[0][2] == reopened[-1][2]:
        rest.pop(0)
        reopened.pop()
    return reopened + rest


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
