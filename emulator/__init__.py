"""Local Telegram Bot API emulator: the real Bot API over HTTP plus a control API for tests."""

from emulator.client import EmulatorClient, EmulatorError, Group, User, buttons, text_of
from emulator.server import EmulatorServer

__all__ = [
    "EmulatorClient",
    "EmulatorError",
    "EmulatorServer",
    "Group",
    "User",
    "buttons",
    "text_of",
]
