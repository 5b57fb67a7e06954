"""Logging set-up that keeps the bot token out of every line, whoever logs it."""

from __future__ import annotations

import logging


def secret_parts(*secrets: str) -> list[str]:
    """Each secret, and a bot token's part after the colon (the part that is the secret),
    longest first so a whole token is replaced before its parts."""
    parts = {s for s in secrets if s}
    parts |= {s.split(":", 1)[1] for s in secrets if ":" in s and len(s.split(":", 1)[1]) >= 8}
    return sorted(parts, key=len, reverse=True)


class RedactingFormatter(logging.Formatter):
    """Formats the whole line, the traceback included, then blanks out every secret.

    A filter that rewrites the message is not enough: an exception's text (a proxy's error page
    echoing the request path /bot<token>/...) is formatted after filters run.
    """

    def __init__(self, fmt: str, *secrets: str) -> None:
        super().__init__(fmt)
        self.secrets = secret_parts(*secrets)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        for secret in self.secrets:
            line = line.replace(secret, "[redacted]")
        return line


def setup_logging(level: str, *secrets: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", *secrets)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Every tick would otherwise log a line.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
