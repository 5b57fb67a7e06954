"""HTML, MarkdownV2 and Markdown turned into plain text and entities, as Telegram does."""

from __future__ import annotations

import re

import pytest

from emulator.errors import ApiError
from emulator.formatting import parse


def test_html_nested_tags_and_utf16_offsets():
    text, entities = parse("😀 <b>lihava <i>kursiivi</i></b>", "HTML", None)
    assert text == "😀 lihava kursiivi"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 15},
        {"type": "italic", "offset": 10, "length": 8},
    ]


def test_html_pre_with_language_and_entities():
    text, entities = parse(
        '<pre><code class="language-python">x = 1 &amp;&#33;</code></pre>', "HTML", None
    )
    assert text == "x = 1 &!"
    assert entities == [{"type": "pre", "language": "python", "offset": 0, "length": 8}]


def test_html_spoiler_blockquote_mention_and_emoji():
    text, entities = parse(
        '<span class="tg-spoiler">a</span><tg-spoiler>b</tg-spoiler>'
        '<blockquote expandable>c</blockquote><a href="tg://user?id=5">d</a>'
        '<tg-emoji emoji-id="123">👍</tg-emoji>',
        "html",
        None,
    )
    assert text == "abcd👍"
    assert [e["type"] for e in entities] == [
        "spoiler",
        "spoiler",
        "expandable_blockquote",
        "text_mention",
        "custom_emoji",
    ]
    assert entities[3]["user"] == {"id": 5}
    assert entities[4]["custom_emoji_id"] == "123"


def test_html_span_without_spoiler_class_is_unsupported():
    with pytest.raises(ApiError, match='Unsupported start tag "span" at byte offset 0'):
        parse('<span class="x">a</span>', "HTML", None)


def test_markdown_v2_escapes_code_and_links():
    text, entities = parse(
        r"Hinta 5\.00 € `koodi \` merkki` [Lahti](https://lahti.fi/a\)b) ||salaisuus||",
        "MarkdownV2",
        None,
    )
    assert text == "Hinta 5.00 € koodi ` merkki Lahti salaisuus"
    assert entities == [
        {"type": "code", "offset": 13, "length": 14},
        {"type": "text_link", "url": "https://lahti.fi/a)b", "offset": 28, "length": 5},
        {"type": "spoiler", "offset": 34, "length": 9},
    ]


def test_markdown_v2_pre_with_language():
    text, entities = parse("```python\nprint(1)\n```", "MarkdownV2", None)
    assert text == "print(1)"
    assert entities == [{"type": "pre", "language": "python", "offset": 0, "length": 8}]


def test_markdown_v2_nested_and_quote():
    text, entities = parse("*lihava _ja kursiivi_*\n>lainaus", "MarkdownV2", None)
    assert text == "lihava ja kursiivi\nlainaus"
    assert {"type": "blockquote", "offset": 19, "length": 7} in entities
    assert {"type": "italic", "offset": 7, "length": 11} in entities


def test_markdown_v2_reserved_character_errors():
    for char in "-=!#+{}|>":
        with pytest.raises(ApiError, match=re.escape(f"Character '{char}' is reserved")):
            parse(f"a {char} b" if char != ">" else f"a {char}", "MarkdownV2", None)


def test_legacy_markdown():
    text, entities = parse("*lihava* _kursiivi_ `koodi` [linkki](https://x.fi)", "Markdown", None)
    assert text == "lihava kursiivi koodi linkki"
    assert [e["type"] for e in entities] == ["bold", "italic", "code", "text_link"]
    with pytest.raises(ApiError, match="Can't find end of the entity starting at byte offset 2"):
        parse("a *b", "Markdown", None)


def test_explicit_entities_win_and_are_checked():
    entities = [{"type": "bold", "offset": 0, "length": 2}]
    assert parse("<b>", "HTML", entities) == ("<b>", entities)
    with pytest.raises(ApiError, match="beyond the end of the text"):
        parse("ab", None, [{"type": "bold", "offset": 1, "length": 5}])


def test_surrounding_whitespace_is_trimmed_with_entities():
    text, entities = parse("  <b>hei</b>  ", "HTML", None)
    assert text == "hei"
    assert entities == [{"type": "bold", "offset": 0, "length": 3}]


def test_unsupported_parse_mode():
    with pytest.raises(ApiError, match="unsupported parse_mode"):
        parse("x", "BBCode", None)
