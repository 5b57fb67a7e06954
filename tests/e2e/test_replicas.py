"""Half-filled forms outlive the process: another instance on the same database (or Redis)
carries on where the first one left off."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from core.clock import ShiftedClock
from emulator import EmulatorClient, EmulatorServer
from emulator.client import text_of
from storage.announcements import Announcement
from storage.replicas import FormState
from storage.roles import Role
from tests.e2e.conftest import Harness, make_settings, polling_app

REDIS_URL = os.environ.get("POYTABOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(params=["database", "redis"])
async def form_store(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, Any]]:
    """Settings that keep forms in the database, or in Redis under a prefix of this test's."""
    if request.param == "database":
        yield {}
        return
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    yield {"redis_url": REDIS_URL, "redis_prefix": prefix}
    redis = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in redis.scan_iter(f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


async def test_a_form_started_on_one_instance_is_finished_on_another(
    emu: EmulatorClient,
    emulator_server: EmulatorServer,
    database_url: str,
    form_store: dict[str, Any],
) -> None:
    clock = ShiftedClock()
    settings = make_settings(emulator_server.base_url, database_url, **form_store)
    async with polling_app(settings, clock) as first:
        harness = Harness(emu, first, clock)
        anna = await harness.person("Anna", Role.MEMBER)
        kaisa = await harness.person("Kaisa", Role.COORDINATOR)
        await kaisa.send("/tiedote")
        await kaisa.expect_message("Kirjoita tiedote")
        await kaisa.send("Kevätkokous on 3.4. kirjastossa.")
        await kaisa.expect_message("Ketkä pöydistä")
        await harness.idle()
        async with harness.db() as session:
            in_database = await session.scalar(
                select(FormState.state).where(FormState.state.is_not(None))
            )
    # The first instance is gone; the second has never seen Kaisa.
    async with polling_app(settings, clock) as second:
        harness.app = second
        await kaisa.press("Kaikki jäsenet")
        await kaisa.expect_message("Kevätkokous on 3.4. kirjastossa.")
        await kaisa.expect_message("Lähetetäänkö?")
        await kaisa.press("📤 Lähetä nyt")
        await anna.expect_message("Kevätkokous on 3.4. kirjastossa.")
        await harness.settle()
        async with harness.db() as session:
            texts = list(await session.scalars(select(Announcement.text)))
    assert texts == ["Kevätkokous on 3.4. kirjastossa."]
    # Where the form was kept: the database unless Redis was named.
    assert (in_database is not None) == ("redis_url" not in form_store)
    assert "Jokin meni vikaan" not in " ".join(text_of(m) for m in await kaisa.history())
