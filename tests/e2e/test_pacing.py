"""Replies to a person's own quick clicks keep Telegram's per-chat pace, and none is lost."""

from __future__ import annotations

import logging

import pytest

from emulator import EmulatorServer
from emulator.client import text_of
from storage.roles import Role
from tests.e2e.conftest import Harness, shown

SOMETHING_WENT_WRONG = "Jokin meni vikaan"


@pytest.mark.telegram_pace
async def test_lead_coordinator_tapping_as_fast_as_replies_come_sees_every_reply(
    harness: Harness, emulator_server: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    lead = await harness.person("Leena", Role.LEAD_COORDINATOR, table=None, started=False)
    await harness.emu.set_rate_limits(True)
    caplog.set_level(logging.INFO)

    await lead.send("/start")
    await lead.expect_message("Hei Leena")
    await lead.send("/kutsu")
    await lead.expect_message("Mihin pöytään kutsut?")
    await lead.press("Pohjoinen kumppanuuspöytä")
    await shown(lead, "Valitse kutsuttavan rooli")
    # The fourth message to this chat within three seconds: Telegram would answer it with 429.
    await lead.press("Jäsen")
    ready = await shown(lead, "Kutsulinkki on valmis", within=10)
    qr = await lead.expect_message(matching=lambda m: bool(m.get("photo")), timeout=10)

    assert "t.me/" in text_of(ready)
    assert qr["caption"].startswith("Kutsulinkin QR-koodi")
    texts = [text_of(m) for m in await lead.history()]
    assert not [t for t in texts if SOMETHING_WENT_WRONG in t], texts
    refused = [r for r in caplog.records if "429" in r.getMessage()]
    print(f"429 answers while the lead clicked through: {len(refused)}")
    assert refused == []
