"""The emulator's browser chat in real headless Chromium, against a small aiogram bot."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import Command, CommandStart
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from PIL import Image, ImageDraw
from playwright.async_api import Browser, Page, ViewportSize, async_playwright, expect

from emulator import EmulatorClient, EmulatorServer, text_of
from emulator.client import User
from tests.emulator.conftest import TOKEN, Api

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PHONE: ViewportSize = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (make browser)"
    ),
]


def picture() -> bytes:
    """A small landscape PNG that looks like something in a screenshot."""
    image = Image.new("RGB", (480, 300), "#8ec5e8")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 200, 480, 300), fill="#4f9a5a")
    draw.ellipse((360, 30, 430, 100), fill="#ffd95a")
    draw.polygon([(60, 200), (170, 80), (280, 200)], fill="#3f6f8f")
    draw.polygon([(200, 200), (300, 110), (400, 200)], fill="#5d87a8")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def make_router() -> Router:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        assert message.from_user is not None
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text="Kyllä", callback_data="join:yes"),
                    InlineKeyboardButton(text="Ei", callback_data="join:no"),
                ]
            ]
        )
        await message.answer(
            f"<b>Tervetuloa</b> pöytään, <i>{message.from_user.first_name}</i>! "
            "Tuletko kokoukseen?",
            parse_mode="HTML",
            reply_markup=keyboard,
        )

    @router.callback_query(F.data.startswith("join:"))
    async def join(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        answer = "Kyllä" if query.data == "join:yes" else "Ei"
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text="Peru", callback_data="cancel"),
                ]
            ]
        )
        await query.message.edit_text(
            f"Vastasit: <b>{answer}</b>", parse_mode="HTML", reply_markup=keyboard
        )
        await query.answer("Kiitos!")

    @router.callback_query(F.data == "cancel")
    async def cancel(query: CallbackQuery) -> None:
        await query.answer("Vastausta ei voi enää perua.", show_alert=True)

    @router.message(Command("kokous"))
    async def meeting(message: Message, bot: Bot) -> None:
        wait = await message.answer("Hetki…")
        await bot.send_chat_action(message.chat.id, "typing")
        agenda = await message.answer(
            "<b>Kokous</b> torstaina klo <code>17.00</code>\n"
            'Paikka: <i>Kaupungintalo</i>, <a href="https://www.lahti.fi">lahti.fi</a>',
            parse_mode="HTML",
        )
        await message.answer_document(
            BufferedInputFile(b"1. Avaus\n2. Asiat\n", filename="esityslista.txt"),
            caption="Esityslista",
        )
        await bot.pin_chat_message(message.chat.id, agenda.message_id)
        await bot.delete_message(message.chat.id, wait.message_id)
        await message.answer_poll(
            "Sopiiko torstai?", options=["Sopii", "Ei sovi"], is_anonymous=False
        )
        await message.answer(
            "Tuletko paikan päälle?",
            reply_markup=ReplyKeyboardMarkup(
                keyboard=[[KeyboardButton(text="Tulen"), KeyboardButton(text="Etänä")]],
                resize_keyboard=True,
                one_time_keyboard=True,
            ),
        )

    @router.message(F.text.in_({"Tulen", "Etänä"}))
    async def attendance(message: Message) -> None:
        await message.answer("Selvä, merkitty!", reply_markup=ReplyKeyboardRemove())

    @router.message(F.photo)
    async def photo(message: Message) -> None:
        await message.answer("Kiva kuva!")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        assert message.text is not None
        await message.answer("Sanoit: " + message.text)

    return router


@contextlib.asynccontextmanager
async def running_bot(server: EmulatorServer) -> AsyncIterator[None]:
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(server.base_url)))
    dp = Dispatcher()
    dp.include_router(make_router())
    task = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, polling_timeout=1, close_bot_session=False)
    )
    try:
        yield
    finally:
        await dp.stop_polling()
        await task
        await bot.session.close()


@pytest.fixture
async def chat_bot(emulator_server: EmulatorServer, emu: EmulatorClient) -> AsyncIterator[None]:
    async with running_bot(emulator_server):
        yield


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def phone_page(browser: Browser, url: str) -> tuple[Page, list[str]]:
    """A page at the phone viewport, and the uncaught script errors it collects."""
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
    await page.goto(url)
    return page, errors


def bot_chat(emu: EmulatorClient) -> str:
    return f"p{emu.bot_id}"


async def test_person_picks_themself_starts_the_bot_and_sees_a_button_edit_live(
    emulator_server: EmulatorServer, emu: EmulatorClient, chat_bot: None, browser: Browser
):
    await emu.create_user("Matti", "Mäkinen", username="matti")
    aino = await emu.create_user("Aino", "Aalto", username="aino", language_code="fi")
    page, errors = await phone_page(browser, emulator_server.base_url + "/")

    await expect(page.get_by_role("dialog")).to_contain_text("Matti Mäkinen")
    await page.get_by_role("button", name="Aino Aalto").click()
    await expect(page.locator("#me-name")).to_have_text("Aino Aalto")
    await page.locator(".chat-item", has_text="Pöytäbotti").click()
    await page.locator("#text").fill("/start")
    await page.locator("#text").press("Enter")

    welcome = page.locator(".row.their", has_text="Tervetuloa pöytään")
    await expect(welcome).to_contain_text("Tervetuloa pöytään, Aino! Tuletko kokoukseen?")
    await expect(welcome.locator("strong")).to_have_text("Tervetuloa")
    await expect(welcome.locator("em")).to_have_text("Aino")
    await expect(page.locator(".row.own")).to_contain_text("/start")

    await welcome.get_by_role("button", name="Kyllä").click()
    await expect(page.locator(".toast")).to_have_text("Kiitos!")
    edited = page.locator(".row.their", has_text="Vastasit")
    await expect(edited).to_contain_text("Vastasit: Kyllä")
    await expect(edited.locator(".meta")).to_contain_text("edited")
    await expect(page.locator(".row.their", has_text="Tervetuloa")).to_have_count(0)

    await edited.get_by_role("button", name="Peru").click()
    await expect(page.get_by_role("alertdialog")).to_contain_text("Vastausta ei voi enää perua.")
    await page.get_by_role("button", name="OK").click()
    await expect(page.get_by_role("alertdialog")).to_be_hidden()

    history = await aino.history()
    assert text_of(history[-1]) == "Vastasit: Kyllä"

    await page.get_by_role("button", name="Switch person").click()
    await page.get_by_role("button", name="Matti Mäkinen").click()
    await expect(page.locator("#me-name")).to_have_text("Matti Mäkinen")
    await expect(page.locator(".chat-item", has_text="Pöytäbotti")).to_contain_text(
        "Start a chat with the bot"
    )
    await expect(page.locator(".row")).to_have_count(0)
    assert errors == []


async def test_screenshot_of_a_real_conversation_on_a_phone(
    emulator_server: EmulatorServer,
    emu: EmulatorClient,
    chat_bot: None,
    browser: Browser,
    tmp_path: Path,
):
    kaija = await emu.create_user("Kaija", "Koski", username="kaija", language_code="fi")
    page, errors = await phone_page(
        browser, f"{emulator_server.base_url}/#u={kaija.id}&c={bot_chat(emu)}"
    )
    await expect(page.get_by_role("button", name="Start")).to_be_visible()
    await page.get_by_role("button", name="Start").click()
    await page.get_by_role("button", name="Kyllä").click()
    await expect(page.locator(".row.their", has_text="Vastasit")).to_be_visible()

    await page.locator("#text").fill("/kokous")
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator(".reply-button", has_text="Tulen")).to_be_visible()
    await expect(page.locator("#pinned-text")).to_contain_text("Kokous torstaina")
    await expect(page.locator(".row", has_text="Hetki…")).to_have_count(0)
    agenda = page.locator(".row.their", has_text="Kaupungintalo")
    await expect(agenda.locator("code")).to_have_text("17.00")
    await expect(agenda.get_by_role("link", name="lahti.fi")).to_have_attribute(
        "href", "https://www.lahti.fi/"
    )
    document = page.locator("a.document")
    await expect(document).to_contain_text("esityslista.txt")
    href = await document.get_attribute("href")
    assert href is not None and href.startswith("/_emulator/files/")

    await page.locator(".poll-option", has_text="Sopii").first.click()
    await expect(page.locator(".poll-total")).to_have_text("1 vote")
    await page.locator(".reply-button", has_text="Tulen").click()
    await expect(page.locator(".row.their", has_text="Selvä, merkitty!")).to_be_visible()
    await expect(page.locator("#reply-keyboard")).to_be_hidden()

    photo_path = tmp_path / "maisema.png"
    photo_path.write_bytes(picture())
    await page.locator("#text").fill("Näkymä kokouspaikalta")
    await page.locator("#file").set_input_files(str(photo_path))
    await expect(page.locator(".row.their", has_text="Kiva kuva!")).to_be_visible()
    photo = page.locator(".row.own img.photo")
    await expect(photo).to_be_visible()
    await page.wait_for_function(
        "() => [...document.querySelectorAll('img.photo')].every(i => i.naturalWidth > 0)"
    )
    await expect(page.locator(".row.own", has_text="Näkymä kokouspaikalta")).to_be_visible()

    await expect(page.locator(".toast")).to_have_count(0)  # the press's "Kiitos!" fades
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "browser-chat.png"
    await page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    for visible in ("Pöytäbotti", "Selvä, merkitty!", "Kiva kuva!", "Kokous torstaina"):
        await expect(page.locator("body")).to_contain_text(visible)

    await page.set_viewport_size({"width": 1200, "height": 800})
    await expect(page.locator(".sidebar")).to_be_visible()
    await expect(page.locator(".chat-item.selected")).to_contain_text("Pöytäbotti")
    await page.screenshot(path=str(ARTIFACTS / "browser-chat-desktop.png"))
    assert errors == []


async def test_group_chat_shows_messages_from_other_people(
    emulator_server: EmulatorServer, emu: EmulatorClient, chat_bot: None, browser: Browser
):
    aino = await emu.create_user("Aino", "Aalto")
    matti = await emu.create_user("Matti", "Mäkinen")
    group = await emu.create_group("Pohjoinen pöytä", members=[aino, matti])
    await group.add_bot(by=aino)
    await matti.send("Hei kaikki! Kokous on torstaina.", chat=group)
    page, errors = await phone_page(browser, f"{emulator_server.base_url}/#u={aino.id}")
    item = page.locator(".chat-item", has_text="Pohjoinen pöytä")
    await expect(item).to_contain_text("Matti: Hei kaikki!")

    await matti.send("Tuon kahvia ☕", chat=group)
    await expect(item.locator(".badge")).to_have_text("1")
    await expect(item).to_contain_text("Matti: Tuon kahvia ☕")
    await item.click()
    earlier = page.locator(".row.their", has_text="Kokous on torstaina")
    await expect(earlier.locator(".sender")).to_have_text("Matti Mäkinen")
    await expect(page.locator(".service", has_text="Aino Aalto added Pöytäbotti")).to_be_visible()
    await expect(page.locator(".row.their", has_text="Tuon kahvia ☕")).to_be_visible()

    await matti.send("Nähdään!", chat=group)
    live = page.locator(".row.their", has_text="Nähdään!")
    await expect(live.locator(".sender")).to_have_text("Matti Mäkinen")

    await page.locator("#text").fill("/kokous")
    await page.locator("#text").press("Enter")
    await expect(page.locator(".row.their", has_text="Kaupungintalo")).to_be_visible()
    await expect(page.locator(".row.own", has_text="/kokous")).to_be_visible()
    seen_by_matti = [text_of(m) for m in await matti.history(group)]
    assert "/kokous" in seen_by_matti
    assert errors == []


async def test_html_in_user_text_is_shown_literally(
    emulator_server: EmulatorServer,
    emu: EmulatorClient,
    chat_bot: None,
    browser: Browser,
    api: Api,
):
    aino: User = await emu.create_user("Aino", "Aalto")
    page, errors = await phone_page(
        browser, f"{emulator_server.base_url}/#u={aino.id}&c={bot_chat(emu)}"
    )
    hostile = (
        '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'
        "<b>lihava</b> & <i>"
    )
    await page.locator("#text").fill(hostile)
    await page.locator("#text").press("Enter")

    echo = page.locator(".row.their .text", has_text="Sanoit:")
    await expect(echo).to_contain_text("Sanoit: " + hostile)
    own = page.locator(".row.own .text")
    assert (await own.inner_text()).startswith(hostile)
    assert await page.locator(".messages script, .messages img, .messages b").count() == 0
    assert await page.evaluate("() => window.pwned") is None

    link = {"type": "text_link", "offset": 0, "length": 5, "url": "javascript:window.pwned=3"}
    await api.ok("sendMessage", chat_id=aino.id, text="Avaa!", entities=[link])
    opened = page.locator(".row.their .link", has_text="Avaa")
    await expect(opened).to_be_visible()
    assert await opened.get_attribute("href") is None
    await opened.click()
    assert await page.locator("a[href^='javascript']").count() == 0
    assert await page.evaluate("() => window.pwned") is None
    assert errors == []
