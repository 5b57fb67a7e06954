"""`poytabot` with a database or Bot API it cannot use: one line naming the key, exit 2."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.cli import main
from bot.preflight import database_problem
from emulator import EmulatorClient, EmulatorServer

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
# `run` wants the secret-ballot key before anything else; these tests are about what follows.
BALLOT_KEY = base64.urlsafe_b64encode(bytes(32)).decode()


def run(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    command: list[str],
    **env: str,
) -> tuple[int, str]:
    """The CLI entry point as `poytabot …` calls it, with only these settings; (exit, stderr)."""
    monkeypatch.chdir(tmp_path)  # no .env file
    for key in [k for k in os.environ if k.startswith("POYTABOT_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("POYTABOT_BALLOT_KEY", BALLOT_KEY)
    for key, value in env.items():
        monkeypatch.setenv(f"POYTABOT_{key.upper()}", value)
    code = main(command)
    captured = capsys.readouterr()
    return code, captured.err


@pytest.fixture
async def bot_api() -> AsyncIterator[str]:
    """An emulated Bot API that knows TOKEN."""
    server = await EmulatorServer.start(host="127.0.0.1", port=0)
    client = EmulatorClient(server.base_url)
    await client.create_bot(token=TOKEN, username="poytabot", first_name="Pöytäbotti")
    try:
        yield server.base_url
    finally:
        await client.close()
        await server.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_sqlite_folder_that_cannot_be_made(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    blocker = tmp_path / "var"
    blocker.write_text("a file where the folder should be")
    code, err = run(
        monkeypatch,
        capsys,
        tmp_path,
        ["db", "upgrade"],
        database_url=f"sqlite+aiosqlite:///{blocker}/poytabot.sqlite3",
    )
    assert code == 2
    assert err == (
        f"poytabot: POYTABOT_DATABASE_URL: the folder {blocker} for the SQLite file is missing "
        "and cannot be made (file exists)\n"
    )


def test_a_missing_sqlite_folder_is_made(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "var" / "data"
    code, err = run(
        monkeypatch,
        capsys,
        tmp_path,
        ["db", "upgrade"],
        database_url=f"sqlite+aiosqlite:///{folder}/poytabot.sqlite3",
    )
    assert (code, err) == (0, "")
    assert (folder / "poytabot.sqlite3").exists()


def test_postgresql_unreachable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    port = free_port()
    code, err = run(
        monkeypatch,
        capsys,
        tmp_path,
        ["run"],
        bot_token=TOKEN,
        database_url=f"postgresql+asyncpg://poytabot:Salasana1@127.0.0.1:{port}/poytabot",
    )
    assert code == 2
    assert err == (
        "poytabot: POYTABOT_DATABASE_URL: cannot connect to PostgreSQL at "
        f"127.0.0.1:{port} (connection refused)\n"
    )
    assert "Salasana1" not in err


def test_postgresql_wrong_password_is_one_line_without_the_password() -> None:
    # The test server trusts local users, so the driver's answer is made here.
    url = "postgresql+asyncpg://poytabot:Salasana1@db.example.fi:5432/poytabot"
    refused = asyncpg.InvalidPasswordError('password authentication failed for user "poytabot"')
    error = DBAPIError("connect", {}, refused)
    assert str(database_problem(url, error)) == (
        "POYTABOT_DATABASE_URL: PostgreSQL at db.example.fi:5432 refused the password of "
        "user poytabot"
    )


@pytest.mark.skipif(
    not os.environ.get("POYTABOT_TEST_POSTGRES_URL"),
    reason="PostgreSQL run skipped: POYTABOT_TEST_POSTGRES_URL is not set",
)
def test_postgresql_unknown_user_or_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    server = make_url(os.environ["POYTABOT_TEST_POSTGRES_URL"])
    where = f"{server.host}:{server.port or 5432}"
    base = f"postgresql+asyncpg://{server.username}@{where}"
    code, err = run(
        monkeypatch, capsys, tmp_path, ["db", "upgrade"], database_url=f"{base}/ei_ole_tata"
    )
    assert (code, err) == (
        2,
        f"poytabot: POYTABOT_DATABASE_URL: PostgreSQL at {where} has no database ei_ole_tata\n",
    )
    code, err = run(
        monkeypatch,
        capsys,
        tmp_path,
        ["db", "upgrade"],
        database_url=f"postgresql+asyncpg://ei_kukaan:x@{where}/postgres",
    )
    assert (code, err) == (
        2,
        f"poytabot: POYTABOT_DATABASE_URL: PostgreSQL at {where} refused user ei_kukaan\n",
    )


def test_bot_api_unreachable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    port = free_port()
    code, err = run(
        monkeypatch,
        capsys,
        tmp_path,
        ["run"],
        bot_token=TOKEN,
        api_base_url=f"http://127.0.0.1:{port}",
        database_url=f"sqlite+aiosqlite:///{tmp_path}/poytabot.sqlite3",
    )
    assert code == 2
    assert err == (
        "poytabot: POYTABOT_API_BASE_URL: cannot reach the Bot API at "
        f"http://127.0.0.1:{port} (connection refused)\n"
    )


async def test_bot_api_does_not_know_the_token(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    bot_api: str,
) -> None:
    wrong = "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    code, err = await asyncio.to_thread(
        run,
        monkeypatch,
        capsys,
        tmp_path,
        ["run"],
        bot_token=wrong,
        api_base_url=bot_api,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/poytabot.sqlite3",
    )
    assert code == 2
    assert err == (
        "poytabot: POYTABOT_BOT_TOKEN: the Bot API does not know this token; "
        "check it with @BotFather\n"
    )
    assert wrong not in err
