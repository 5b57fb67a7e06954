"""Escaping, Finnish dates and safe splitting of long messages."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.i18n import create_i18n
from views.text import TEXT_LIMIT, day, esc, moment, split_text, visible_length

HELSINKI = ZoneInfo("Europe/Helsinki")


def test_escape_keeps_what_was_typed_as_text() -> None:
    assert esc("<b>Matti</b> & Co") == "&lt;b&gt;Matti&lt;/b&gt; &amp; Co"


def test_finnish_day_and_time_in_winter_and_summer() -> None:
    assert day(date(2026, 1, 14), "fi") == "ke 14.1.2026"
    i18n = create_i18n("fi")
    with i18n.context(), i18n.use_locale("fi"):
        winter = moment(datetime(2026, 1, 13, 15, 0, tzinfo=UTC), HELSINKI, "fi")
        summer = moment(datetime(2026, 6, 16, 14, 0, tzinfo=UTC), HELSINKI, "fi")
    assert winter == "ti 13.1.2026 klo 17.00"
    assert summer == "ti 16.6.2026 klo 17.00"


def test_split_text_never_cuts_a_line_and_loses_nothing() -> None:
    lines = [f"<b>Asia {n}</b> " + "sana " * 30 for n in range(400)]
    text = "\n".join(lines)
    parts = split_text(text)
    assert len(parts) > 1
    assert all(visible_length(part) <= TEXT_LIMIT for part in parts)
    # A cut drops the spaces at its end, nothing else.
    rejoined = [line.rstrip() for line in "\n".join(parts).split("\n")]
    assert rejoined == [line.rstrip() for line in lines]


def test_split_text_prefers_paragraphs() -> None:
    paragraphs = ["a" * 3000, "b" * 3000, "c" * 100]
    assert split_text("\n\n".join(paragraphs)) == ["a" * 3000, "b" * 3000 + "\n\n" + "c" * 100]


def test_short_text_is_one_message() -> None:
    assert split_text("Hei!") == ["Hei!"]


def test_split_text_counts_utf16_units_so_emoji_heavy_text_fits() -> None:
    text = "🎉" * 5000  # 10,000 UTF-16 units: Telegram counts each emoji twice
    parts = split_text(text)
    assert "".join(parts) == text
    assert all(visible_length(part) <= TEXT_LIMIT for part in parts)
    assert len(parts) == 3
