"""Run the emulator as a process: python -m emulator --bot TOKEN:username."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from emulator.server import EmulatorServer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument(
        "--bot",
        action="append",
        default=[],
        metavar="TOKEN:USERNAME",
        help="register a bot, e.g. 123456:ABC-DEF:poytabot (repeatable)",
    )
    parser.add_argument("--rate-limits", action="store_true", help="enforce Telegram's limits")
    parser.add_argument(
        "--allow-http-webhook",
        action="append",
        default=[],
        metavar="HOST",
        help="also accept plain-HTTP webhooks to this host (localhost always is)",
    )
    parser.add_argument("--spec", help="path to api.json (default: the packaged copy)")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    server = await EmulatorServer.start(args.host, args.port, spec_path=args.spec)
    server.rate_limits.enabled = args.rate_limits
    server.state.webhook_http_hosts.update(args.allow_http_webhook)
    for entry in args.bot:
        token, _, username = entry.rpartition(":")
        if not token or ":" not in token:
            token, username = entry, "emulator_bot"
        server.add_bot(token, username, username)
    logging.info("Telegram Bot API emulator on %s", server.base_url)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
