"""The house rules that import-linter cannot see: small handler modules, and each repeated
piece written once (refusal texts, "today", the reader's language, claiming due rows)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("bot", "core", "handlers", "notify", "scheduler", "storage", "views")
HANDLER_MODULE_MAX_LINES = 400


def product_files() -> list[Path]:
    return sorted(
        path
        for package in PRODUCT
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_no_handler_module_is_over_400_lines() -> None:
    long = {
        relative(path): lines
        for path in (ROOT / "handlers").rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > HANDLER_MODULE_MAX_LINES
    }
    assert long == {}


@pytest.mark.parametrize(
    ("pattern", "home"),
    [
        # The same words everywhere: views.common holds them.
        (r'"Sinulla ei ole oikeutta tähän\."', "views/common.py"),
        (r'"Tämä nappi ei ole enää käytössä', "views/common.py"),
        # "Today" on the tables' wall calendar, where the clock is at hand: Clock.today(zone).
        # (Pure rules and ticks that are handed one `now` derive the date from that instant.)
        (r"(clock|self)\.now\(\)\.astimezone\([^)]*\)\.date\(\)", "core/clock.py"),
        # Which language a person reads: views.language.reader_language.
        (r"def (person|reader)_language\(", "views/language.py"),
        # Claiming due rows: storage.claims.claim.
        (r"with_for_update\(skip_locked=True\)", "storage/claims.py"),
        # Splitting long texts: views.text.split_text.
        (r"def split_(text|html)\(", "views/text.py"),
    ],
)
def test_each_repeated_piece_lives_in_one_place(pattern: str, home: str) -> None:
    found = sorted(
        relative(path)
        for path in product_files()
        if re.search(pattern, path.read_text(encoding="utf-8"))
    )
    assert found == [home]


def test_handlers_take_the_pressed_message_through_message_of() -> None:
    guarded = [
        relative(path)
        for path in product_files()
        if "isinstance(query.message, Message)" in path.read_text(encoding="utf-8")
    ]
    # routing.py is message_of itself; a minutes approval stands even when its message is gone.
    assert guarded == ["handlers/meetings/minutes.py", "handlers/routing.py"]


E2E_OPT_OUTS = ("telegram_limits_off", "sqlite_only")


def e2e_files() -> list[Path]:
    return sorted((ROOT / "tests" / "e2e").glob("*.py"))


def test_e2e_tests_opt_out_of_production_conditions_only_with_a_reason() -> None:
    # Issue 11: the e2e tests see what production sees (Telegram's limits, PostgreSQL too);
    # tests/e2e/conftest.py refuses a test that skips either without a mark, this its reason.
    unreasoned = [
        f"{relative(path)}:{node.lineno}"
        for path in e2e_files()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in E2E_OPT_OUTS
        and not any(
            keyword.arg == "reason"
            and isinstance(keyword.value, ast.Constant)
            and str(keyword.value.value).strip()
            for keyword in node.keywords
        )
    ]
    assert unreasoned == []


def test_e2e_tests_switch_telegram_limits_off_only_through_the_mark() -> None:
    by_hand = re.compile(r"set_rate_limits\(\s*False|rate_limits\.enabled\s*=\s*False|UNPACED")
    found = [
        relative(path)
        for path in e2e_files()
        if path.name != "conftest.py" and by_hand.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []
