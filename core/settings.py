"""Settings from the environment and `.env`, every key prefixed POYTABOT_ (see .env.example)."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LANGUAGES = ("fi", "sv", "en")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
TOKEN_SHAPE = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{1,100}")
WEBHOOK_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")
TELEGRAM_API = "https://api.telegram.org"
BALLOT_KEY_BYTES = 32
MAKE_BALLOT_KEY = 'python3 -c "import secrets; print(secrets.token_urlsafe(32))"'


class Mode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="POYTABOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: SecretStr | None = None
    api_base_url: str = TELEGRAM_API
    database_url: str = "sqlite+aiosqlite:///var/poytabot.sqlite3"
    mode: Mode = Mode.POLLING
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1:8080"
    timezone: str = "Europe/Helsinki"
    default_language: str = "fi"
    lead_coordinators: Annotated[list[int], NoDecode] = Field(default_factory=list)
    tables_file: Path | None = None
    term_ends_on: date = date(2027, 5, 31)
    invite_valid_days: int = Field(default=30, ge=1, le=365)
    log_level: str = "INFO"
    # The outbox sender. With several sender processes, divide outbox_rate between them.
    outbox_rate: float = Field(default=30.0, gt=0, le=30)
    outbox_concurrency: int = Field(default=8, ge=1, le=32)
    outbox_claim_ttl: float = Field(default=20.0, ge=1, le=600)
    # E-mail for members who want it; leave smtp_host empty to send no e-mail.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = None
    smtp_starttls: bool = True
    smtp_tls: bool = False
    smtp_timeout: float = Field(default=20.0, gt=0)
    # Updates one person may send in 10 seconds before the rest are dropped.
    flood_limit: int = Field(default=30, ge=5, le=1000)
    # Seals secret ballots (SECURITY.md): 32 random bytes in base64, never in the database.
    ballot_key: SecretStr | None = None

    # Retention, in days (README "Privacy"): the daily job forgets what is older.
    retention_outbox_days: int = Field(default=30, ge=1, le=3650)
    retention_email_days: int = Field(default=30, ge=1, le=3650)
    retention_replies_days: int = Field(default=365, ge=1, le=3650)
    retention_updates_days: int = Field(default=7, ge=2, le=3650)
    retention_audit_days: int = Field(default=730, ge=1, le=3650)
    retention_invites_days: int = Field(default=90, ge=1, le=3650)

    # Replicas: forms, the 429 pause and the flood count in Redis instead of the database.
    redis_url: str | None = None
    redis_prefix: str = Field(default="poytabot", pattern=r"^[A-Za-z0-9_.-]{1,64}$")

    @field_validator("lead_coordinators", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # The value is never echoed: a wrong token is still a secret.
        token = value.get_secret_value() if value is not None else ""
        if token and not TOKEN_SHAPE.fullmatch(token):
            raise ValueError("not a bot token; BotFather gives one like 123456:ABC-def…")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_telegram_accepts(cls, value: SecretStr | None) -> SecretStr | None:
        secret = value.get_secret_value() if value is not None else ""
        if secret and not WEBHOOK_SECRET_SHAPE.fullmatch(secret):
            raise ValueError("Telegram accepts 1-256 characters: letters A-Z a-z, digits, _ and -")
        return value

    @field_validator("ballot_key")
    @classmethod
    def _key_shape(cls, value: SecretStr | None) -> SecretStr | None:
        key = value.get_secret_value().strip() if value is not None else ""
        if key and len(_decode_key(key) or b"") != BALLOT_KEY_BYTES:
            raise ValueError(
                f"not {BALLOT_KEY_BYTES} bytes in base64; make one with {MAKE_BALLOT_KEY}"
            )
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _host_and_port(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
            raise ValueError("use host:port, e.g. 127.0.0.1:8080")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("default_language")
    @classmethod
    def _supported_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///path or postgresql+asyncpg://...")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("use redis://host:6379/0 (or rediss://, unix://)")
        return value or None

    @field_validator("api_base_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.mode is Mode.WEBHOOK:
            if not self.webhook_url:
                raise ValueError("POYTABOT_WEBHOOK_URL: webhook mode needs the public URL")
            if not self.webhook_secret or not self.webhook_secret.get_secret_value():
                raise ValueError(
                    "POYTABOT_WEBHOOK_SECRET: webhook mode refuses to start without a secret token"
                )
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def token(self) -> str:
        if self.bot_token is None or not self.bot_token.get_secret_value():
            raise SettingError("POYTABOT_BOT_TOKEN", "missing; get one from @BotFather")
        return self.bot_token.get_secret_value()

    def secret_ballot_key(self) -> bytes:
        """The key that seals secret ballots; the bot does not start without it."""
        key = self.ballot_key.get_secret_value().strip() if self.ballot_key else ""
        if not key:
            raise SettingError(
                "POYTABOT_BALLOT_KEY",
                f"missing; secret ballots need it: make one with {MAKE_BALLOT_KEY}",
            )
        return _decode_key(key) or b""


def _decode_key(key: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    except (binascii.Error, ValueError):
        return None


class SettingError(Exception):
    """A setting that stops start-up; shown as one line naming the key."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's report into one line that names the first bad key."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        if field and not message.startswith("POYTABOT_"):
            message = f"POYTABOT_{field.upper()}: {message}"
        raise SettingError(message.split(":", 1)[0], message.split(":", 1)[1].strip()) from None
