"""Sending e-mail through SMTP with aiosmtplib, for members who want announcements by e-mail."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage as MimeMessage
from email.utils import make_msgid

import aiosmtplib

from core.settings import Settings


@dataclass(frozen=True)
class Attachment:
    name: str
    mime: str
    data: bytes


class MailError(Exception):
    """The SMTP server refused or could not be reached; `permanent` ones are not retried."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


# Line breaks and other control characters in a header would end it (and `email` refuses them):
# a two-line meeting title becomes one line.
_HEADER_BREAKS = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
SUBJECT_LIMIT = 200


def header_value(text: str, limit: int = SUBJECT_LIMIT) -> str:
    """What a person typed, safe as one header line of at most `limit` characters."""
    line = " ".join(_HEADER_BREAKS.sub(" ", text).split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


class Mailer:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        use_tls: bool = False,
        timeout: float = 20.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username
        self.password = password
        self.starttls = starttls
        self.use_tls = use_tls
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> Mailer | None:
        if not settings.smtp_host or not settings.smtp_from:
            return None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            username=settings.smtp_username,
            password=(
                settings.smtp_password.get_secret_value() if settings.smtp_password else None
            ),
            starttls=settings.smtp_starttls,
            use_tls=settings.smtp_tls,
            timeout=settings.smtp_timeout,
        )

    def compose(
        self, to: str, subject: str, body: str, attachments: list[Attachment]
    ) -> MimeMessage:
        message = MimeMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = header_value(subject)
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        message.set_content(body)
        for attachment in attachments:
            maintype, _, subtype = attachment.mime.partition("/")
            message.add_attachment(
                attachment.data,
                maintype=maintype,
                subtype=subtype or "octet-stream",
                filename=attachment.name,
            )
        return message

    async def send(
        self, to: str, subject: str, body: str, attachments: list[Attachment] | None = None
    ) -> None:
        try:
            message = self.compose(to, subject, body, attachments or [])
        except (ValueError, TypeError) as error:
            # A message `email` cannot build (an address it refuses) never will be: give up on it.
            raise MailError(f"cannot compose: {error}", permanent=True) from error
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                start_tls=self.starttls,
                use_tls=self.use_tls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            raise MailError(str(error), permanent=True) from error
        except aiosmtplib.SMTPResponseException as error:
            raise MailError(str(error), permanent=500 <= error.code < 600) from error
        except (aiosmtplib.SMTPException, OSError) as error:
            raise MailError(str(error), permanent=False) from error
