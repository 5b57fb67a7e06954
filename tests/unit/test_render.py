"""Escaping, Finnish dates and safe splitting of long messages."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.i18n import create_i18n
from views.text import TEXT_LIMIT, day, esc, moment, plain_text, split_text, visible_length

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


def test_split_text_never_overflows_when_the_only_break_is_early() -> None:
    # Regression: after cutting at an early break, the rest plus the next word was still too
    # long, and that part went out over the limit.
    text = "x\n\n<b>" + "y" * 4000 + "</b>" + "z" * 200
    parts = split_text(text)
    assert all(visible_length(part) <= TEXT_LIMIT for part in parts)
    assert "".join(plain_text(part) for part in parts) == "x" + "y" * 4000 + "z" * 200
    assert parts[0] == "x"


def test_split_text_keeps_the_breaks_that_follow_a_cut() -> None:
    # The line break after "b" was already taken into the next part when "a" was cut off;
    # it is still the best place for the next cut (it used to be forgotten).
    a, b, c, d = "a" * 1500, "b" * 1100, "c" * 1000, "d" * 1200
    parts = split_text(f"{a}\n\n{b}\n{c} {d}", limit=3100)
    assert parts == [a, b, f"{c} {d}"]


def test_split_text_reopens_tags_that_stay_open_and_no_others() -> None:
    parts = split_text("<b>" + "sana " * 20 + "</b> loppu", limit=50)
    assert all(p.count("<b>") == p.count("</b>") for p in parts)
    assert parts[0].startswith("<b>") and parts[-1].endswith("loppu")
    assert "<b></b>" not in "".join(parts)


def test_split_text_counts_a_numeric_character_reference_as_what_it_shows() -> None:
    text = "&#127881;" * 3000  # 🎉 written as a reference: two UTF-16 units each
    parts = split_text(text)
    assert len(parts) == 2
    assert all(visible_length(part) <= TEXT_LIMIT for part in parts)
