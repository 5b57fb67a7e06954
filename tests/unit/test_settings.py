"""Start-up refuses bad settings with one line naming the key, never a traceback."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.logs import RedactingFormatter
from core.settings import Mode, SettingError, load_settings

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("database_url", "mysql://x", "POYTABOT_DATABASE_URL: use sqlite+aiosqlite"),
        ("timezone", "Mars/Olympus", "POYTABOT_TIMEZONE: unknown time zone 'Mars/Olympus'"),
        ("default_language", "de", "POYTABOT_DEFAULT_LANGUAGE: must be one of fi, sv, en"),
        ("lead_coordinators", "12,abc", "POYTABOT_LEAD_COORDINATORS"),
        ("api_base_url", "ftp://x", "POYTABOT_API_BASE_URL: must start with http"),
        ("invite_valid_days", "0", "POYTABOT_INVITE_VALID_DAYS"),
        ("bot_token", "no-colon-here", "POYTABOT_BOT_TOKEN: not a bot token"),
        ("log_level", "VERBOSE", "POYTABOT_LOG_LEVEL: must be one of DEBUG, INFO"),
        ("webhook_secret", "has spaces!", "POYTABOT_WEBHOOK_SECRET: Telegram accepts 1-256"),
        ("webhook_secret", "x" * 257, "POYTABOT_WEBHOOK_SECRET: Telegram accepts 1-256"),
        ("webhook_listen", "8080", "POYTABOT_WEBHOOK_LISTEN: use host:port"),
        ("ballot_key", "too-short", "POYTABOT_BALLOT_KEY: not 32 bytes in base64; make one"),
        ("ballot_key", "!" * 43, "POYTABOT_BALLOT_KEY: not 32 bytes in base64; make one"),
        ("redis_url", "127.0.0.1:6379", "POYTABOT_REDIS_URL: use redis://host:6379/0"),
        ("redis_prefix", "has space", "POYTABOT_REDIS_PREFIX"),
    ],
)
def test_bad_setting_names_the_key(key: str, value: str, words: str) -> None:
    with pytest.raises(SettingError) as caught:
        load_settings(_env_file=None, **{key: value})
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)
    if key in ("bot_token", "webhook_secret", "ballot_key"):
        assert value not in str(caught.value)  # a secret is never echoed, even a wrong one


def test_webhook_mode_refuses_to_start_without_secret() -> None:
    with pytest.raises(SettingError) as caught:
        load_settings(_env_file=None, mode="webhook", webhook_url="https://bot.example.fi")
    assert str(caught.value).startswith("POYTABOT_WEBHOOK_SECRET: webhook mode refuses")
    settings = load_settings(
        _env_file=None,
        mode="webhook",
        webhook_url="https://b.example.fi",
        webhook_secret="s3cret-token",
    )
    assert settings.mode is Mode.WEBHOOK


def test_lead_coordinators_are_comma_separated_ids() -> None:
    settings = load_settings(_env_file=None, lead_coordinators="111, 222")
    assert settings.lead_coordinators == [111, 222]


def test_missing_token_is_one_line() -> None:
    with pytest.raises(SettingError) as caught:
        load_settings(_env_file=None).token()
    assert str(caught.value) == "POYTABOT_BOT_TOKEN: missing; get one from @BotFather"


def test_the_ballot_key_is_read_as_32_bytes_and_never_shown() -> None:
    key = "u0Enr1DEGNoQCfvx2RzuutXNM4xvCKaVga0JYtBstSM"
    settings = load_settings(_env_file=None, ballot_key=key)
    assert len(settings.secret_ballot_key()) == 32
    assert key not in repr(settings) and key not in str(settings.model_dump())
    with pytest.raises(SettingError) as caught:
        load_settings(_env_file=None).secret_ballot_key()
    assert str(caught.value) == (
        "POYTABOT_BALLOT_KEY: missing; secret ballots need it: make one with "
        'python3 -c "import secrets; print(secrets.token_urlsafe(32))"'
    )


def _poytabot(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("POYTABOT_")}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,  # a guard: importing aiogram takes 40 s on a busy two-core machine
    )


def test_run_with_a_bad_setting_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    result = _poytabot(
        ["run"],
        {"POYTABOT_BOT_TOKEN": TOKEN, "POYTABOT_TIMEZONE": "Nowhere", "PYTHONPATH": str(root)},
        tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr == "poytabot: POYTABOT_TIMEZONE: unknown time zone 'Nowhere'\n"
    assert "Traceback" not in result.stdout + result.stderr


def test_run_without_a_token_says_so(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    result = _poytabot(["run"], {"PYTHONPATH": str(root)}, tmp_path)
    assert result.returncode == 2
    assert result.stderr == "poytabot: POYTABOT_BOT_TOKEN: missing; get one from @BotFather\n"


def test_run_without_a_ballot_key_says_so(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    result = _poytabot(["run"], {"POYTABOT_BOT_TOKEN": TOKEN, "PYTHONPATH": str(root)}, tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "poytabot: POYTABOT_BALLOT_KEY: missing; secret ballots need it: make one with "
        'python3 -c "import secrets; print(secrets.token_urlsafe(32))"\n'
    )
    assert not (tmp_path / "var").exists()  # stopped before touching the database


def _logged(secrets: tuple[str, ...], log: Callable[[logging.Logger], None]) -> str:
    """What the bot's own log handler writes for one logging call, at DEBUG."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s", *secrets))
    logger = logging.getLogger("poytabot.test.secrets")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    try:
        log(logger)
    finally:
        logger.handlers[:] = []
    return stream.getvalue()


def test_token_never_reaches_the_log() -> None:
    line = _logged((TOKEN,), lambda log: log.info("calling https://x/bot%s/getMe", TOKEN))
    assert TOKEN not in line
    assert "bot[redacted]/getMe" in line


def test_token_in_a_formatted_exception_never_reaches_the_log() -> None:
    """A proxy's error page echoing the request path ends up in the exception's text."""
    page = f"<html>502 Bad Gateway: POST /bot{TOKEN}/getUpdates failed</html>"

    def fail(log: logging.Logger) -> None:
        try:
            raise RuntimeError(page)
        except RuntimeError:
            log.debug("request failed", exc_info=True)

    text = _logged((TOKEN,), fail)
    assert "Traceback" in text and "502 Bad Gateway" in text
    assert TOKEN not in text
    assert TOKEN.split(":")[1] not in text  # the secret part alone is blanked too
    assert "/bot[redacted]/getUpdates" in text


def test_admin_grant_makes_a_lead_coordinator_and_checks_the_role(tmp_path: Path) -> None:
    import sqlite3

    root = Path(__file__).resolve().parents[2]
    env = {
        "PYTHONPATH": str(root),
        "POYTABOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/admin.sqlite3",
    }
    wrong = _poytabot(["admin", "grant", "--telegram-id", "5", "--role", "king"], env, tmp_path)
    assert wrong.returncode == 2 and wrong.stderr.startswith("poytabot: unknown role 'king'")
    ok = _poytabot(
        [
            "admin",
            "grant",
            "--telegram-id",
            "5",
            "--name",
            "Leena",
            "--role",
            "coordinator",
            "--table",
            "pohjoinen",
        ],
        env,
        tmp_path,
    )
    assert ok.returncode == 0, ok.stderr
    with sqlite3.connect(tmp_path / "admin.sqlite3") as db:
        rows = db.execute(
            "SELECT p.first_name, m.role, t.slug FROM memberships m "
            "JOIN people p ON p.id = m.person_id "
            "JOIN tables t ON t.id = m.table_id"
        ).fetchall()
        actions = [a for (a,) in db.execute("SELECT action FROM audit_log")]
    assert rows == [("Leena", "coordinator", "pohjoinen")]
    assert actions == ["role.grant"]


def test_the_outbox_sender_is_built_from_the_settings() -> None:
    from datetime import timedelta

    from core.clock import Clock
    from scheduler.limits import GLOBAL
    from scheduler.outbox import OutboxSender
    from storage.db import create_engine, create_sessionmaker

    settings = load_settings(
        _env_file=None,
        bot_token=TOKEN,
        outbox_rate=15,
        outbox_concurrency=3,
        outbox_claim_ttl=7,
        smtp_host="smtp.example.fi",
        smtp_from="botti@example.fi",
    )
    sessionmaker = create_sessionmaker(create_engine("sqlite+aiosqlite://"))
    sender = OutboxSender.from_settings(object(), sessionmaker, Clock(), settings)  # type: ignore[arg-type]
    assert (sender.concurrency, sender.claim_ttl) == (3, timedelta(seconds=7))
    assert sender.limiter.global_limit.count == 15
    assert sender.mailer is not None and sender.mailer.host == "smtp.example.fi"

    full = load_settings(_env_file=None, bot_token=TOKEN)
    sender = OutboxSender.from_settings(object(), sessionmaker, Clock(), full)  # type: ignore[arg-type]
    assert sender.limiter.global_limit == GLOBAL
    assert sender.mailer is None
