"""Every handler the dispatcher has, tried by each of thirteen identities.

The rows live in `tests/e2e/authorization_rows.py`; a handler without a row fails the first
test, by name. The second sends each row's text or press as every identity through the
emulator, on one bot per database, and checks what each saw: the handler's normal answer, or
the exact refusal with nothing changed in the database (one snapshot before and after each
row's refused identities; the allowed ones go after, as they may change things).

`POYTABOT_AUTHZ_SHOW=1` (with `-s`) prints what every identity saw, row by row: the quickest
way to write a new row.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any

import pytest

from emulator import EmulatorServer, actions
from tests.e2e.authorization import NOBODY, Actor, Seen, Who, World
from tests.e2e.authorization_rows import (
    ERROR,
    REFUSALS,
    ROWS,
    STALE,
    Allow,
    Exempt,
    InState,
    Outcome,
    Press,
    Refuse,
    Row,
    Send,
    Silent,
    Skip,
)
from tests.e2e.conftest import Harness

SHOW = os.environ.get("POYTABOT_AUTHZ_SHOW") == "1"
# While writing rows: POYTABOT_AUTHZ_ONLY=mydata,listing tries only the rows naming these.
ONLY = [part for part in os.environ.get("POYTABOT_AUTHZ_ONLY", "").split(",") if part]


def _fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str) and "{" in value:
        filled = value.format(**ids)
        return int(filled) if filled.isdigit() and value.startswith("{") else filled
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


async def _send_document(actor: Actor, name: str, content: bytes) -> None:
    if actor.account is None:
        await actor.user.send_document(name, content)
        return
    state = actor.world.emulator.state
    stored = state.store_file(content, kind="document", file_name=name, mime_type=None)
    document = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(content),
        "file_name": name,
    }
    message = {"document": document, "sender_chat": actor.sender_chat}
    actions.user_sends(state, actor.account, actor.world.group_chat, message)


async def act(world: World, actor: Actor, trigger: Send | Press | InState) -> Seen:
    ids = world.ids
    world.recorder.ran.pop(actor.telegram_id, None)
    if actor.in_group:
        await actor.catch_up()  # the stand-ins share the group: only what comes now is theirs
    step = trigger
    if isinstance(trigger, InState):
        data = {k: _fill(v, ids) for k, v in trigger.data.items()}
        await actor.set_state(trigger.state, data)
        step = trigger.then
    seen = Seen()
    if isinstance(step, Press):
        seen.alert = await actor.press(step.data.format(**ids))
    elif step.document is not None:
        await _send_document(actor, *step.document)
    else:
        await actor.send(step.text.format(**ids))
    await world.harness.idle()
    seen.messages = await actor.seen_since()
    seen.handlers = world.recorder.ran.pop(actor.telegram_id, [])
    await actor.set_state(None, {})
    if actor.who is Who.STRANGER:
        await world.forget_stranger()
    return seen


def judge(key: str, trigger: Send | Press | InState, expected: Outcome, seen: Seen) -> str | None:
    """What is wrong with what was seen, or None."""
    texts = seen.texts()
    if ERROR in texts:
        return "the bot failed"
    if isinstance(expected, Refuse):
        # A press is refused by an alert, or (from a menu) by a message with a silent answer.
        if texts != [expected.text]:
            return f"expected the refusal {expected.text!r}"
        return None
    if isinstance(expected, Silent):
        return "expected no answer" if texts else None
    if key not in seen.handlers:
        return "expected the handler to answer"
    refusals = [t for t in texts if t in REFUSALS and t != expected.answer]
    if isinstance(expected, Allow) and expected.or_stale and refusals == [STALE]:
        return None
    if refusals:
        return f"turned away with {refusals[0]!r}"
    if expected.answer is not None and not any(expected.answer in t for t in texts):
        return f"expected an answer containing {expected.answer!r}"
    return None


def _show(key: str, who: Who, seen: Seen) -> None:
    ran = "ran" if key in seen.handlers else "   "
    said = " | ".join(t.replace("\n", " ")[:70] for t in seen.texts())
    print(f"  {who.value:18} {ran} {said}")


async def try_row(
    world: World, key: str, row: Row, identities: list[Who], *, concurrently: bool
) -> list[str]:
    """Each identity acts; what each saw is judged against the row."""
    trigger = row.trigger
    assert not isinstance(trigger, Exempt)
    problems: list[str] = []

    async def try_as(who: Who) -> None:
        try:
            seen = await act(world, world.actors[who], trigger)
        except AssertionError as error:
            problems.append(f"{key} as {who.value}: {error}")
            return
        if SHOW:
            _show(key, who, seen)
        if problem := judge(key, trigger, row.outcomes[who], seen):
            problems.append(f"{key} as {who.value}: {problem}; saw {seen.texts()!r}")

    if concurrently:
        # Turned away, people change nothing: they act at once, each in their own chat.
        await asyncio.gather(*(try_as(who) for who in identities if who not in NOBODY))
        identities = [who for who in identities if who in NOBODY]
    for who in identities:  # the stand-ins share the group; allowed people may race
        await try_as(who)
    return problems


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    # form_states: the matrix itself puts each person in a form's step and out again.
    return sorted(
        name for name in after if name != "form_states" and after[name] != before.get(name)
    )


async def test_authorization_matrix(
    harness: Harness, emulator_server: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="bot.app")
    started = time.monotonic()
    world = await World.build(harness, emulator_server)
    rows = [
        (key, row)
        for key, row in ROWS.items()
        if not isinstance(row.trigger, Exempt) and (not ONLY or any(o in key for o in ONLY))
    ]
    # Rows that end things (a cancelled meeting, a closed poll) go last, so that the rows
    # before them find their matter still open.
    rows.sort(key=lambda kv: kv[0] in LAST)
    problems: list[str] = []
    # First everyone who must change nothing, row by row against one snapshot…
    before = await harness.snapshot()
    for key, row in rows:
        quiet = [w for w, o in row.outcomes.items() if not isinstance(o, Allow | Skip)]
        if SHOW:
            print(key)
        problems += await try_row(world, key, row, quiet, concurrently=True)
        after = await harness.snapshot()
        if changed := _changed(before, after):
            problems.append(f"{key}: {', '.join(quiet)} changed {changed}")
            before = after
    # … then those who get through, whose presses may change things.
    for key, row in rows:
        if SHOW:
            print(key)
        allowed = [w for w, o in row.outcomes.items() if isinstance(o, Allow)]
        problems += await try_row(world, key, row, allowed, concurrently=False)
    runs = sum(not isinstance(o, Skip) for _, row in rows for o in row.outcomes.values())
    failures = [
        f"{r.getMessage()}: {r.exc_info[1]!r}" if r.exc_info else r.getMessage()
        for r in caplog.records
        if r.name == "bot.app"
    ]
    print(
        f"\nauthorisation matrix: {runs} handler × identity runs "
        f"in {time.monotonic() - started:.0f} s"
    )
    assert not problems, "\n".join(problems)
    assert not failures, f"unhandled exceptions: {failures}"


LAST = {
    "meetings.poll/callback_query/close_pressed",
    "meetings.poll/callback_query/pick_pressed",
    "meetings.poll/callback_query/confirm_pressed",
    "meetings.changes/callback_query/cancel_confirmed",
}
