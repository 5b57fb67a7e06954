"""The emulator's HTTP server: Bot API routes, file downloads, and the in-process handle."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from emulator import control, limits
from emulator.errors import ApiError, bad_request
from emulator.faults import Faults
from emulator.methods import HANDLERS, Call
from emulator.ratelimit import RateLimits
from emulator.spec import Spec, UploadedFile
from emulator.state import BotAccount, World

log = logging.getLogger(__name__)

SPEC_ENV = "POYTABOT_BOT_API_SPEC"
# Multipart overhead on top of the largest allowed file.
MAX_REQUEST_BYTES = limits.UPLOAD_MAX_BYTES + 1024 * 1024


def error_response(error: ApiError) -> web.Response:
    return web.json_response(error.envelope(), status=error.code, headers=error.headers)


class EmulatorServer:
    """The emulator running in the current event loop."""

    def __init__(
        self,
        *,
        spec_path: Path | str | None = None,
        check_results: bool = True,
        callback_expiry: float = 15.0,
        close_lockout: float = 600.0,
    ) -> None:
        self.spec = Spec.load(spec_path or os.environ.get(SPEC_ENV) or None)
        self.state = World(callback_expiry=callback_expiry, close_lockout=close_lockout)
        self.state.executor = self.execute
        self.rate_limits = RateLimits()
        self.faults = Faults()
        self.check_results = check_results
        self.app = self._build_app()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    @classmethod
    async def start(cls, host: str = "127.0.0.1", port: int = 0, **options: Any) -> EmulatorServer:
        server = cls(**options)
        await server.listen(host, port)
        return server

    async def listen(self, host: str, port: int) -> None:
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.05)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        bound_port = sockets[0].getsockname()[1] if sockets else port
        self.base_url = f"http://{host}:{bound_port}"

    async def stop(self) -> None:
        for bot in list(self.state.bots.values()):
            await bot.updates.stop()
        self.state.closing = True
        self.state.notify()
        self.state.end_streams()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def add_bot(self, token: str, username: str, first_name: str, **options: Any) -> BotAccount:
        if token in self.state.bots:
            return self.state.bots[token]
        return self.state.add_bot(token, username, first_name, **options)

    def _build_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self.handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self.handle_file)
        control.setup(app, self)
        return app

    async def handle_api(self, request: web.Request) -> web.StreamResponse:
        if request.method not in ("GET", "POST"):
            return error_response(ApiError(405, "Method Not Allowed"))
        try:
            bot = self._bot(request.match_info["token"])
            name = request.match_info["method"]
            raw, files, strings = await _read_params(request)
            if self.faults.should_drop(name):
                # Cut the connection without an answer, like a broken network path.
                if request.transport is not None:
                    request.transport.abort()
                return web.Response(status=500)
            result = await self.execute(bot, name, raw, files=files, strings=strings)
        except ApiError as error:
            return error_response(error)
        return web.json_response({"ok": True, "result": result})

    async def execute(
        self,
        bot: BotAccount,
        name: str,
        raw: dict[str, Any],
        *,
        files: dict[str, UploadedFile] | None = None,
        strings: set[str] | None = None,
    ) -> Any:
        """Run one Bot API call: validate, inject faults, rate-limit, handle, check result."""
        try:
            return await self._execute(bot, name, raw, files or {}, strings or set())
        except ApiError as error:
            if error.code == 429:
                self.state.too_many_given += 1
            raise

    async def _execute(
        self,
        bot: BotAccount,
        name: str,
        raw: dict[str, Any],
        files: dict[str, UploadedFile],
        strings: set[str],
    ) -> Any:
        spec = self.spec.method(name)
        if spec is None:
            raise ApiError(404, "Not Found: method not found")
        params = self.spec.validate_call(spec, raw, files, strings=strings)
        self.state.calls[spec.name] += 1
        if self.faults.delay and self.faults.applies(name):
            await asyncio.sleep(self.faults.delay)
        injected = self.faults.error(name)
        if injected is not None:
            raise injected
        handler = HANDLERS.get(name.lower())
        if handler is None:
            raise bad_request("method is not supported by the emulator")
        if RateLimits.applies_to(name):
            self.rate_limits.check(bot.id, params.get("chat_id"))
        result = await handler(Call(self.state, bot, params))
        if self.check_results:
            try:
                self.spec.check_result(spec, result)
            except ValueError as exc:
                log.error("emulator produced an invalid result: %s", exc)
                raise ApiError(500, f"Internal Server Error: {exc}") from None
        return result

    def _bot(self, token: str) -> BotAccount:
        bot = self.state.bots.get(token)
        if bot is None:
            raise ApiError(401, "Unauthorized: invalid token specified")
        return bot

    async def handle_file(self, request: web.Request) -> web.StreamResponse:
        try:
            self._bot(request.match_info["token"])
        except ApiError as error:
            return error_response(error)
        stored = self.state.files_by_path.get(request.match_info["path"])
        if stored is None:
            return error_response(ApiError(404, "Not Found: file not found"))
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )


async def _read_params(
    request: web.Request,
) -> tuple[dict[str, Any], dict[str, UploadedFile], set[str]]:
    """Merge query string and body; remember which values arrived as text."""
    raw: dict[str, Any] = dict(request.query)
    strings = set(raw)
    files: dict[str, UploadedFile] = {}
    if request.method != "POST" or not request.body_exists:
        return raw, files, strings
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON object") from None
        if not isinstance(body, dict):
            raise bad_request("JSON body must be an object")
        raw.update(body)
        strings -= set(body)
        return raw, files, strings
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise bad_request(f"unsupported Content-Type {content_type}")
    try:
        form: MultiDictProxy[Any] = await request.post()
    except web.HTTPRequestEntityTooLarge:
        raise ApiError(413, "Request Entity Too Large") from None
    for key, value in form.items():
        if isinstance(value, web.FileField):
            files[key] = UploadedFile(value.filename, value.content_type, value.file.read())
        else:
            raw[key] = value
            strings.add(key)
    return raw, files, strings
