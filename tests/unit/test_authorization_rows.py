"""Every registered handler has a row in the authorisation matrix (e2e/authorization_rows.py).

This needs no Telegram: it reads the dispatcher. The matrix itself runs in
tests/e2e/test_authorization_matrix.py.
"""

from __future__ import annotations

from bot.app import create_dispatcher
from bot.i18n import create_i18n
from core.clock import Clock
from core.settings import Settings
from tests.e2e.authorization import Who, registered_handlers
from tests.e2e.authorization_rows import ROWS, Exempt


def test_every_handler_has_a_row() -> None:
    settings = Settings(bot_token="1:x", _env_file=None)  # type: ignore[call-arg]
    dispatcher = create_dispatcher(settings, None, Clock(), create_i18n("fi"))  # type: ignore[arg-type]
    keys = list(registered_handlers(dispatcher).values())
    assert len(keys) == len(set(keys)), "two handlers share a name: rename one"
    missing = sorted(set(keys) - set(ROWS))
    assert not missing, (
        "these handlers have no row in tests/e2e/authorization_rows.py (ROWS); add one "
        "saying who may use each: " + ", ".join(missing)
    )
    gone = sorted(set(ROWS) - set(keys))
    assert not gone, "rows for handlers that no longer exist: " + ", ".join(gone)
    for key, row in ROWS.items():
        if not isinstance(row.trigger, Exempt):
            assert set(row.outcomes) == set(Who), f"{key}: an outcome for every identity"
