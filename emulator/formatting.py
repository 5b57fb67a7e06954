"""Telegram's parse modes (HTML, MarkdownV2, Markdown) turned into plain text and entities."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from emulator.errors import ApiError, bad_request


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _parse_error(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


@dataclass
class _Builder:
    """Accumulates plain text and entities with UTF-16 offsets, as the Bot API counts them."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    entities: list[dict[str, Any]] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += utf16_len(text)

    def close(self, start: int, entity: dict[str, Any]) -> None:
        if self.length > start:
            self.entities.append({**entity, "offset": start, "length": self.length - start})

    def result(self) -> tuple[str, list[dict[str, Any]]]:
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), entities


def parse(
    text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None
) -> tuple[str, list[dict[str, Any]]]:
    """Return the plain text and its entities, trimmed the way Telegram trims messages."""
    # Explicit entities win over parse_mode, as on Telegram (aiogram sends its default
    # parse_mode alongside entities).
    if not parse_mode or entities:
        plain, found = text, list(entities or [])
        _check_entities(plain, found)
    else:
        mode = parse_mode.lower()
        if mode == "html":
            plain, found = _parse_html(text)
        elif mode == "markdownv2":
            plain, found = _parse_markdown(text, v2=True)
        elif mode == "markdown":
            plain, found = _parse_markdown(text, v2=False)
        else:
            raise bad_request("unsupported parse_mode")
    return _strip(plain, found)


def _check_entities(text: str, entities: list[dict[str, Any]]) -> None:
    total = utf16_len(text)
    for entity in entities:
        if entity["offset"] < 0 or entity["length"] <= 0:
            raise bad_request("can't parse entities: entity has invalid offset or length")
        if entity["offset"] + entity["length"] > total:
            raise bad_request("can't parse entities: entity is beyond the end of the text")


def _strip(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    result = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result


_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*?)?)\s*>")
_ATTR_RE = re.compile(r"""([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_HTML_ENTITY_RE = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Builder()
    stack: list[tuple[str, int, dict[str, Any]]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "&":
            match = _HTML_ENTITY_RE.match(text, i)
            if match:
                out.add(html.unescape(match.group(0)))
                i = match.end()
                continue
            out.add(char)
            i += 1
            continue
        if char != "<":
            out.add(char)
            i += 1
            continue
        match = _TAG_RE.match(text, i)
        if not match:
            if text.find(">", i) == -1:
                raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(text, i)}")
            raise _parse_error(f"Unsupported start tag at byte offset {_byte_offset(text, i)}")
        closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
        offset = _byte_offset(text, i)
        if closing:
            if not stack:
                raise _parse_error(f"Unexpected end tag at byte offset {offset}")
            open_name, start, entity = stack.pop()
            if open_name != name:
                raise _parse_error(
                    f'Unmatched end tag at byte offset {offset}, expected "</{open_name}>", '
                    f'found "</{name}>"'
                )
            if not (entity["type"] == "code" and stack and stack[-1][2]["type"] == "pre"):
                out.close(start, entity)
            elif "language" in entity:
                stack[-1][2]["language"] = entity["language"]
        else:
            entity = _html_entity(name, dict(_attributes(attrs)), offset)
            stack.append((name, out.length, entity))
        i = match.end()
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


def _attributes(attrs: str) -> list[tuple[str, str]]:
    return [
        (m.group(1).lower(), html.unescape(m.group(2) or m.group(3) or m.group(4) or ""))
        for m in _ATTR_RE.finditer(attrs)
    ]


def _html_entity(name: str, attrs: dict[str, str], offset: int) -> dict[str, Any]:
    kind = _HTML_TAGS.get(name)
    if kind is None or (name == "span" and attrs.get("class") != "tg-spoiler"):
        raise _parse_error(f'Unsupported start tag "{name}" at byte offset {offset}')
    entity: dict[str, Any] = {"type": kind}
    if name == "a":
        href = attrs.get("href", "")
        user = re.fullmatch(r"tg://user\?id=(\d+)", href)
        if user:
            entity = {"type": "text_mention", "user": {"id": int(user.group(1))}}
        elif not href:
            raise _parse_error(f"Empty URL in a link at byte offset {offset}")
        else:
            entity["url"] = href
    elif name == "code" and attrs.get("class", "").startswith("language-"):
        entity["language"] = attrs["class"].removeprefix("language-")
    elif name == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif name == "tg-emoji":
        if "emoji-id" not in attrs:
            raise _parse_error(f"Custom emoji identifier expected at byte offset {offset}")
        entity["custom_emoji_id"] = attrs["emoji-id"]
    return entity


_V2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_KIND_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
}


def _parse_markdown(text: str, *, v2: bool) -> tuple[str, list[dict[str, Any]]]:
    markers = (
        [
            ("||", "spoiler"),
            ("__", "underline"),
            ("*", "bold"),
            ("_", "italic"),
            ("~", "strikethrough"),
        ]
        if v2
        else [("*", "bold"), ("_", "italic")]
    )
    out = _Builder()
    stack: list[tuple[str, int, int]] = []  # (kind, utf16 start, index in source)
    quote_start: int | None = None
    i = 0

    def fail_open(kind: str, index: int) -> ApiError:
        if not v2:
            return _parse_error(
                f"Can't find end of the entity starting at byte offset {_byte_offset(text, index)}"
            )
        return _parse_error(
            f"Can't find end of {_KIND_NAMES[kind]} entity at byte offset "
            f"{_byte_offset(text, index)}"
        )

    while i < len(text):
        char = text[i]
        at_line_start = i == 0 or text[i - 1] == "\n"
        if v2 and at_line_start:
            if char == ">":
                if quote_start is None:
                    quote_start = out.length
                i += 1
                continue
            if quote_start is not None:
                # The newline ending the last quoted line belongs to the quote.
                out.close(quote_start, {"type": "blockquote"})
                quote_start = None
        if char == "\\" and (v2 or (i + 1 < len(text) and text[i + 1] in "_*`[")):
            if i + 1 >= len(text):
                raise _parse_error(
                    "Character '\\' is reserved and must be escaped with the preceding '\\'"
                )
            out.add(text[i + 1])
            i += 2
            continue
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end == -1:
                raise fail_open("pre", i)
            body = text[i + 3 : end]
            language = None
            first, newline, rest = body.partition("\n")
            if newline and re.fullmatch(r"[A-Za-z0-9_+-]*", first):
                language, body = first or None, rest
            start = out.length
            out.add(_unescape_code(body, v2))
            entity: dict[str, Any] = {"type": "pre"}
            if language:
                entity["language"] = language
            out.close(start, entity)
            i = end + 3
            continue
        if char == "`":
            end = _find_unescaped(text, "`", i + 1, v2)
            if end == -1:
                raise fail_open("code", i)
            start = out.length
            out.add(_unescape_code(text[i + 1 : end], v2))
            out.close(start, {"type": "code"})
            i = end + 1
            continue
        if char == "[":
            close = _find_unescaped(text, "]", i + 1, v2)
            if close == -1 or not text.startswith("(", close + 1):
                raise fail_open("text_link", i)
            url_end = _find_unescaped(text, ")", close + 2, v2)
            if url_end == -1:
                raise fail_open("text_link", i)
            inner_text, inner_entities = _parse_markdown(text[i + 1 : close], v2=v2)
            start = out.length
            for e in inner_entities:
                out.entities.append({**e, "offset": e["offset"] + start})
            out.add(inner_text)
            url = re.sub(r"\\(.)", r"\1", text[close + 2 : url_end])
            user = re.fullmatch(r"tg://user\?id=(\d+)", url)
            link = {"type": "text_mention", "user": {"id": int(user.group(1))}} if user else None
            out.close(start, link or {"type": "text_link", "url": url})
            i = url_end + 1
            continue
        for marker, kind in markers:
            if text.startswith(marker, i):
                if stack and stack[-1][0] == kind:
                    _, start, _ = stack.pop()
                    out.close(start, {"type": kind})
                elif any(open_kind == kind for open_kind, _, _ in stack):
                    raise fail_open(stack[-1][0], stack[-1][2])
                else:
                    stack.append((kind, out.length, i))
                i += len(marker)
                break
        else:
            if v2 and char in _V2_RESERVED:
                raise _parse_error(
                    f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
                )
            out.add(char)
            i += 1
    if stack:
        raise fail_open(stack[-1][0], stack[-1][2])
    if quote_start is not None:
        out.close(quote_start, {"type": "blockquote"})
    return out.result()


def _find_unescaped(text: str, char: str, start: int, v2: bool) -> int:
    i = start
    while i < len(text):
        if v2 and text[i] == "\\":
            i += 2
            continue
        if text[i] == char:
            return i
        i += 1
    return -1


def _unescape_code(body: str, v2: bool) -> str:
    return re.sub(r"\\([`\\])", r"\1", body) if v2 else body
