"""What the vote conversations share."""

from __future__ import annotations

from aiogram import F

# A typed answer in a step of a form; a command goes on to whoever handles it.
ANSWER = F.text & ~F.text.startswith("/")
