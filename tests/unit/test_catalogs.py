"""Every message in the code has a translation in fi, sv and en, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{(\w*)\}")


PACKAGES = ("bot", "handlers", "views", "notify", "storage", "scheduler")
KEYWORDS = {"_": None, "__": None, "gettext": None, "lazy_gettext": None}


@pytest.fixture(scope="module")
def extracted() -> set[str]:
    """The message ids in the code, found the same way `make locales` finds them."""
    ids: set[str] = set()
    for package in PACKAGES:
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            ids.add(message if isinstance(message, str) else message[0])
    return ids


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_every_message_is_translated(extracted: set[str], language: str) -> None:
    with (ROOT / f"locales/{language}/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    translated = {m.id: m.string for m in catalog if m.id}
    missing = sorted(i for i in extracted if not translated.get(i))
    assert missing == [], f"{language}: {len(missing)} untranslated, e.g. {missing[:3]}"
    wrong = sorted(
        i
        for i in extracted
        if set(PLACEHOLDER.findall(i)) != set(PLACEHOLDER.findall(translated[i]))
    )
    assert wrong == [], f"{language}: placeholders differ in {wrong[:3]}"
