"""Sealing secret ballots with a key that is never stored in the database (see SECURITY.md).

Each ballot gets its own two keys, derived with HKDF from the master key and the ballot id:
one seals choices (AES-256-GCM, random nonce, the ballot id as associated data), one turns a
person id into an opaque voter mark (HMAC-SHA256). A sealed choice is always the same length
whatever the option, so neither its bytes nor its size say what is inside. A ballot's keys
open nothing of another ballot, so one ballot could be recounted by an auditor without
exposing the rest.

The key reaches storage with the session (`session.info`), set once by the sessionmaker,
so every secret-ballot function reads it the same way and none takes it as an argument.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12
# Options are at most 40 characters (the election's option column); every plaintext is padded
# to this length, so every sealed choice is NONCE_BYTES + 1 + OPTION_BYTES + 16 bytes long.
OPTION_BYTES = 40
SEALED_BYTES = NONCE_BYTES + 1 + OPTION_BYTES + 16
MARK_BYTES = 32
SESSION_KEY = "ballot_key"


class BallotKeyMissing(RuntimeError):
    """The session was made without the ballot key (POYTABOT_BALLOT_KEY)."""


class UnreadableChoice(RuntimeError):
    """A sealed choice does not open with this key: the key was changed or the row forged."""


class BallotKey:
    """The master key, kept in memory only; derives the per-ballot keys."""

    def __init__(self, master: bytes) -> None:
        if len(master) != KEY_BYTES:
            raise ValueError(f"the ballot key must be {KEY_BYTES} bytes")
        self._master = master

    @classmethod
    def generate(cls) -> BallotKey:
        """A fresh key, for the demo and tests; a server reads its key from the settings."""
        return cls(os.urandom(KEY_BYTES))

    def __repr__(self) -> str:
        return "BallotKey(…)"  # never the key itself, e.g. in a traceback's locals

    def _derive(self, ballot_id: int, purpose: str) -> bytes:
        return HKDF(
            algorithm=hashes.SHA256(),
            length=KEY_BYTES,
            salt=None,
            info=f"poytabot secret ballot {ballot_id} {purpose}".encode(),
        ).derive(self._master)

    def seal(self, ballot_id: int, option: str) -> bytes:
        plain = option.encode()
        if len(plain) > OPTION_BYTES:
            raise ValueError("option too long to seal")
        padded = bytes([len(plain)]) + plain.ljust(OPTION_BYTES, b"\0")
        nonce = os.urandom(NONCE_BYTES)
        box = AESGCM(self._derive(ballot_id, "choice"))
        return nonce + box.encrypt(nonce, padded, _associated(ballot_id))

    def open(self, ballot_id: int, sealed: bytes) -> str:
        box = AESGCM(self._derive(ballot_id, "choice"))
        try:
            padded = box.decrypt(
                sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], _associated(ballot_id)
            )
        except InvalidTag:
            raise UnreadableChoice(
                f"a sealed choice of ballot {ballot_id} does not open with this ballot key"
            ) from None
        return padded[1 : 1 + padded[0]].decode()

    # Updates wait in the intake queue (storage/updates.py) as Telegram sent them: a press on a
    # secret ballot carries the choice, and the sender's id would date each vote. Both are kept
    # only sealed, under a key of their own derived from the same master key.

    @functools.cached_property
    def _updates_key(self) -> bytes:
        # Derived once: every queued update and every sender's pseudonym uses it.
        return HKDF(
            algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=b"poytabot updates"
        ).derive(self._master)

    def seal_update(self, update_id: int, payload: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self._updates_key).encrypt(nonce, payload.encode(), b"%d" % update_id)
        return base64.b64encode(nonce + sealed).decode()

    def open_update(self, update_id: int, sealed: str) -> str:
        raw = base64.b64decode(sealed)
        box = AESGCM(self._updates_key)
        return box.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], b"%d" % update_id).decode()

    def pseudonym(self, key: int) -> int:
        """A sender's id as a number only this key maps to them (equal for equal ids)."""
        digest = hmac.new(self._updates_key, b"%d" % key, hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big", signed=True)

    def voter_mark(self, ballot_id: int, person_id: int) -> bytes:
        """Who voted, as something only this key can recompute: equal for the same person in
        the same ballot (so a second vote is refused), unrelated across ballots."""
        return hmac.new(
            self._derive(ballot_id, "voter"), str(person_id).encode(), hashlib.sha256
        ).digest()


def _associated(ballot_id: int) -> bytes:
    return f"ballot:{ballot_id}".encode()


def session_info(key: BallotKey | None) -> dict[str, Any]:
    """What a sessionmaker puts in every session's `info` so storage finds the key."""
    return {SESSION_KEY: key} if key is not None else {}


def ballot_key(info: dict[str, Any]) -> BallotKey:
    key = info.get(SESSION_KEY)
    if not isinstance(key, BallotKey):
        raise BallotKeyMissing(
            "POYTABOT_BALLOT_KEY: secret ballots need the ballot key and this session has none"
        )
    return key
