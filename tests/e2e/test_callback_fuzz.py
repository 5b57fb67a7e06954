"""Forged button data from every identity: every press answered, nothing changed, nothing failed.

Hypothesis writes the data: random text, and every known prefix with fields that are mangled
(wrong count, wrong type, unknown words, ids no row has, negative or past 64 bits). Data a real
button could carry (it unpacks, and its ids could name rows) is left out: the authorisation
matrix tries those. The examples are drawn first, then pressed in order on one bot per
database.

300 examples by default; `POYTABOT_FUZZ_EXAMPLES=10000` for the full run (about 10 minutes
per database on a quiet machine).
"""

from __future__ import annotations

import logging
import os
import time

import pytest
from aiogram.filters.callback_data import CallbackData, CallbackQueryFilter
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from emulator import EmulatorServer
from tests.e2e.authorization import Who, World
from tests.e2e.conftest import Harness

EXAMPLES = int(os.environ.get("POYTABOT_FUZZ_EXAMPLES", "300"))
# Ids below this may name a row of the world; from it up none does.
NO_ROW = 1000


def button_kinds(world: World) -> list[type[CallbackData]]:
    kinds: dict[str, type[CallbackData]] = {}

    def walk(router: object) -> None:
        for handler in router.callback_query.handlers:  # type: ignore[attr-defined]
            for f in handler.filters or []:
                if isinstance(f.callback, CallbackQueryFilter):
                    kind = f.callback.callback_data
                    kinds[kind.__prefix__] = kind
        for child in router.sub_routers:  # type: ignore[attr-defined]
            walk(child)

    walk(world.harness.app.dispatcher)
    return sorted(kinds.values(), key=lambda k: k.__prefix__)


def could_be_real(data: str, kinds: list[type[CallbackData]]) -> bool:
    """Unpacks into a known button whose numbers could all name rows."""
    for kind in kinds:
        try:
            button = kind.unpack(data)
        except (TypeError, ValueError):
            continue
        numbers = [v for v in button.model_dump().values() if isinstance(v, int)]
        if all(0 <= n < NO_ROW for n in numbers):
            return True
    return False


def field_values() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.integers(min_value=NO_ROW, max_value=10**7).map(str),
        st.text(max_size=12).map(lambda t: t.replace(":", "")),
        st.sampled_from(["", "0", "-1", "1e3", "None", "true", "yes", "view", "acc", "csv"]),
    )


def forged_data(prefixes: list[str]) -> st.SearchStrategy[str]:
    structured = st.tuples(
        st.sampled_from(prefixes), st.lists(field_values(), min_size=0, max_size=5)
    ).map(lambda pf: ":".join([pf[0], *pf[1]]))
    return st.one_of(structured, st.text(min_size=1, max_size=64)).filter(
        lambda d: 0 < len(d.encode()) <= 64
    )


def draw_examples(kinds: list[type[CallbackData]], count: int) -> list[tuple[Who, str]]:
    drawn: list[tuple[Who, str]] = []
    prefixes = [k.__prefix__ for k in kinds]

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.sampled_from(list(Who)), forged_data(prefixes))
    def collect(who: Who, data: str) -> None:
        if not could_be_real(data, kinds):
            drawn.append((who, data))

    collect()
    return drawn


async def test_forged_button_data_changes_nothing(
    harness: Harness, emulator_server: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="bot.app")
    world = await World.build(harness, emulator_server)
    kinds = button_kinds(world)
    assert len(kinds) >= 35, "the button kinds were not found"
    examples = draw_examples(kinds, EXAMPLES)
    started = time.monotonic()
    before = await harness.snapshot()
    unanswered = []
    for who, data in examples:
        actor = world.actors[who]
        try:
            await actor.press(data)
        except AssertionError as error:
            unanswered.append((who.value, data, str(error)))
        if who is Who.STRANGER:
            await world.forget_stranger()
    await harness.idle()
    after = await harness.snapshot()
    failures = [r.getMessage() for r in caplog.records if r.name == "bot.app"]
    print(
        f"\ncallback fuzz: {len(examples)} forged presses over {len(kinds)} button kinds "
        f"from {len(Who)} identities in {time.monotonic() - started:.0f} s"
    )
    assert unanswered == []
    assert failures == []
    changed = sorted(name for name in after if after[name] != before.get(name))
    assert changed == []
