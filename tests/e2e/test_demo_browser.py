"""`make demo` in a real browser: a coordinator invites, a resident joins, /jasenet shows it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from bot.demo import DEMO_TOKEN, Demo, start_demo
from tests.emulator.test_browser_chat import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, PHONE

BOT_ID = DEMO_TOKEN.split(":")[0]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.sqlite_only(
        reason="`make demo` runs on SQLite; the flows clicked here run on both in other tests"
    ),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (make browser)"
    ),
]


@pytest.fixture
async def demo(tmp_path: Path, telegram_limits: bool) -> AsyncIterator[Demo]:
    running = await start_demo(port=0, database_url=f"sqlite+aiosqlite:///{tmp_path}/demo.db")
    running.server.rate_limits.enabled = telegram_limits
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def page(demo: Demo) -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        browser: Browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        context = await browser.new_context(
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="fi-FI",
            timezone_id="Europe/Helsinki",
        )
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await page.goto(demo.url)
        yield page
        await browser.close()
        assert errors == []


async def be(page: Page, name: str) -> None:
    """Pick who you are, and open your chat with the bot."""
    if await page.get_by_role("dialog").is_hidden():
        await page.get_by_role("button", name="Switch person").first.click()
    await page.get_by_role("button", name=name).click()
    await expect(page.locator("#me-name")).to_have_text(name)
    await page.locator(f'.chat-item[data-key="p{BOT_ID}"]').click()


async def say(page: Page, text: str) -> None:
    await page.locator("#text").fill(text)
    await page.locator("#text").press("Enter")


async def test_coordinator_invites_resident_joins_and_is_listed(demo: Demo, page: Page) -> None:
    await be(page, "Kaija Koski")
    await say(page, "/kutsu")
    question = page.locator(".row.their", has_text="Valitse kutsuttavan rooli")
    await question.get_by_role("button", name="Jäsen").click()
    ready = page.locator(".row.their", has_text="Kutsulinkki on valmis")
    await expect(ready).to_contain_text("Linkki toimii kerran")
    match = re.search(r"start=([A-Za-z0-9_-]+)", await ready.inner_text())
    assert match is not None

    await be(page, "Raili Rinne")
    await say(page, f"/start {match.group(1)}")
    await expect(page.locator(".row.their", has_text="Tervetuloa, Raili!")).to_contain_text(
        "Roolisi: jäsen"
    )
    await say(page, "/jasenet")
    roster = page.locator(".row.their", has_text="Pohjoinen kumppanuuspöytä").last
    await expect(roster).to_contain_text("Raili Rinne – jäsen")
    await expect(roster).to_contain_text("Pirjo Pelto – puheenjohtaja")
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "demo-joined.png"))
