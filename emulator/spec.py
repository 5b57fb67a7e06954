"""Validation of Bot API calls against the official machine-readable spec (api.json)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.errors import ApiError, bad_request

SPEC_PATH = Path(__file__).resolve().parent / "api.json"

_INT_RE = re.compile(r"-?\d+")
_FLOAT_RE = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
# Subtypes of a union say which one they are in prose: 'always “creator”', 'must be commands'.
_DISCRIMINATOR_RE = re.compile(r"(?:always|must be)\s+[“\"]?([a-z_]+)[”\"]?")
_DISCRIMINATOR_FIELDS = ("type", "status", "source")
# Fields newer than the packaged spec (Bot API 10.1) that current clients require in results:
# aiogram 3.31 speaks Bot API 10.3 and refuses an administrator without this flag.
NEWER_API_FIELDS: dict[str, list[dict[str, Any]]] = {
    type_: [
        {
            "name": "can_send_welcome_messages",
            "types": ["Boolean"],
            "required": False,
            "description": "Bot API 10.3: True, if the administrator can manage welcome messages",
        }
    ]
    for type_ in ("ChatMemberAdministrator", "ChatAdministratorRights")
}
# Telegram still accepts the pre-7.3 form of these types, and clients (aiogram) send it.
_ALSO_ACCEPTED = {"InputPollOption": "String", "KeyboardButton": "String"}


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Param:
    name: str
    types: tuple[str, ...]
    required: bool
    description: str


@dataclass(frozen=True)
class MethodSpec:
    name: str
    params: dict[str, Param]
    returns: tuple[str, ...]


class _Mismatch(Exception):
    """A value does not fit a type; `depth` ranks how far into a union alternative it got."""

    def __init__(self, message: str, depth: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.depth = depth


class Spec:
    """The Bot API spec: method parameters and type fields, used to check calls and results."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.version: str = data.get("version", "")
        self.methods: dict[str, MethodSpec] = {}
        for name, method in data["methods"].items():
            params = {
                f["name"]: Param(f["name"], tuple(f["types"]), f["required"], f["description"])
                for f in method.get("fields", [])
            }
            self.methods[name.lower()] = MethodSpec(name, params, tuple(method["returns"]))
        self.types: dict[str, dict[str, Any]] = data["types"]
        for type_, fields in NEWER_API_FIELDS.items():
            known = {f["name"] for f in self.types[type_].get("fields", [])}
            self.types[type_].setdefault("fields", []).extend(
                f for f in fields if f["name"] not in known
            )
        self._discriminators: dict[str, tuple[str, str]] = {}
        for name, type_ in self.types.items():
            for field in type_.get("fields", []):
                if field["name"] in _DISCRIMINATOR_FIELDS and field["required"]:
                    match = _DISCRIMINATOR_RE.search(field["description"])
                    if match:
                        self._discriminators[name] = (field["name"], match.group(1))

    @classmethod
    def load(cls, path: Path | str | None = None) -> Spec:
        with open(path or SPEC_PATH, encoding="utf-8") as f:
            return cls(json.load(f))

    def method(self, name: str) -> MethodSpec | None:
        return self.methods.get(name.lower())

    def validate_call(
        self,
        method: MethodSpec,
        raw: dict[str, Any],
        files: dict[str, UploadedFile],
        *,
        strings: set[str],
    ) -> dict[str, Any]:
        """Check and coerce the parameters of one call.

        `strings` names the parameters that arrived as text (query string or form fields):
        those are decoded the way Telegram decodes them (numbers, booleans, JSON objects).
        """
        for name in list(raw) + list(files):
            if name not in method.params and not _is_attachment(name, raw):
                raise bad_request(f'unknown parameter "{name}"')
        result: dict[str, Any] = {}
        for param in method.params.values():
            if param.name in files and "InputFile" in param.types:
                result[param.name] = files[param.name]
                continue
            if param.name not in raw or raw[param.name] is None:
                if param.required:
                    raise _missing(method, param)
                continue
            value = raw[param.name]
            try:
                result[param.name] = self._coerce_top(param, value, param.name in strings)
            except _Mismatch as exc:
                raise bad_request(f'parameter "{param.name}" {exc.message}') from None
            if "InputFile" in param.types and isinstance(result[param.name], str):
                result[param.name] = _resolve_attach(result[param.name], files, param.name)
        return result

    def _coerce_top(self, param: Param, value: Any, as_text: bool) -> Any:
        if as_text and isinstance(value, str):
            errors: list[_Mismatch] = []
            for type_ in param.types:
                try:
                    return self._from_text(type_, value)
                except _Mismatch as exc:
                    errors.append(exc)
            raise _best(errors, param.types)
        if isinstance(value, str) and not any(t in ("String", "InputFile") for t in param.types):
            # Telegram also accepts JSON-encoded objects and numbers inside a JSON body.
            return self._coerce_top(param, value, True)
        return self.check(param.types, value)

    def _from_text(self, type_: str, text: str) -> Any:
        if type_ in ("String", "InputFile"):
            return text
        if type_ == "Integer":
            if not _INT_RE.fullmatch(text.strip()):
                raise _Mismatch("must be Integer")
            return int(text)
        if type_ == "Float":
            if not _FLOAT_RE.fullmatch(text.strip()):
                raise _Mismatch("must be Float")
            return float(text)
        if type_ in ("Boolean", "True"):
            lowered = text.strip().lower()
            if lowered in ("true", "1"):
                return True
            if lowered in ("false", "0") and type_ == "Boolean":
                return False
            raise _Mismatch(f"must be {type_}")
        try:
            decoded = json.loads(text)
        except ValueError:
            raise _Mismatch(f"must be JSON-serialized {type_}") from None
        return self.check((type_,), decoded)

    def check(self, types: tuple[str, ...] | list[str], value: Any, path: str = "") -> Any:
        """Check a decoded JSON value against alternative types; return it unchanged."""
        errors: list[_Mismatch] = []
        for type_ in types:
            try:
                self._check_one(type_, value, path, 0)
                return value
            except _Mismatch as exc:
                errors.append(exc)
        raise _best(errors, types)

    def check_result(self, method: MethodSpec, result: Any) -> None:
        """Raise ValueError when a result the emulator produced does not fit the spec."""
        try:
            self.check(method.returns, result)
        except _Mismatch as exc:
            raise ValueError(f"{method.name} result {exc.message}") from None

    def _check_one(self, type_: str, value: Any, path: str, depth: int) -> None:
        where = f" in {path}" if path else ""
        if type_.startswith("Array of "):
            if not isinstance(value, list):
                raise _Mismatch(f"must be {type_}{where}", depth)
            inner = type_.removeprefix("Array of ")
            for i, item in enumerate(value):
                self._check_one(inner, item, f"{path}[{i}]", depth + 1)
            return
        if type_ == "Integer":
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif type_ == "Float":
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        elif type_ == "Boolean":
            ok = isinstance(value, bool)
        elif type_ == "True":
            ok = value is True
        elif type_ in ("String", "InputFile"):
            ok = isinstance(value, str)
        else:
            self._check_object(type_, value, path, depth)
            return
        if not ok:
            raise _Mismatch(f"must be {type_}{where}", depth)

    def _check_object(self, type_: str, value: Any, path: str, depth: int) -> None:
        if _ALSO_ACCEPTED.get(type_) == "String" and isinstance(value, str):
            return
        spec = self.types.get(type_)
        if spec is None:
            raise _Mismatch(f"has unknown type {type_}", depth)
        if "subtypes" in spec:
            errors = []
            for sub in spec["subtypes"]:
                try:
                    self._check_object(sub, value, path, depth)
                    return
                except _Mismatch as exc:
                    errors.append(exc)
            raise _best(errors, (type_,))
        where = f" in {path}" if path else ""
        if not isinstance(value, dict):
            raise _Mismatch(f"must be {type_}{where}", depth)
        fields = {f["name"]: f for f in spec.get("fields", [])}
        discriminator = self._discriminators.get(type_)
        if discriminator and value.get(discriminator[0]) != discriminator[1]:
            raise _Mismatch(f"must be {type_}{where}", depth)
        for key in value:
            if key not in fields:
                raise _Mismatch(f'has unknown field "{key}"{where} ({type_})', depth + 1)
        for name, field in fields.items():
            sub_path = f"{path}.{name}" if path else name
            if name not in value:
                if field["required"]:
                    raise _Mismatch(f'lacks required field "{sub_path}" ({type_})', depth + 1)
                continue
            inner_errors = []
            for alt in field["types"]:
                try:
                    self._check_one(alt, value[name], sub_path, depth + 1)
                    break
                except _Mismatch as exc:
                    inner_errors.append(exc)
            else:
                raise _best(inner_errors, field["types"])


def _best(errors: list[_Mismatch], types: tuple[str, ...] | list[str]) -> _Mismatch:
    best = max(errors, key=lambda e: e.depth, default=None)
    if best is None or (len(types) > 1 and best.depth == 0):
        return _Mismatch("must be " + " or ".join(types))
    return best


def _missing(method: MethodSpec, param: Param) -> ApiError:
    if param.name == "text" and method.name in ("sendMessage", "editMessageText"):
        return bad_request("message text is empty")
    return bad_request(f'parameter "{param.name}" is required')


def _is_attachment(name: str, raw: dict[str, Any]) -> bool:
    """Multipart parts referenced as attach://<name> from another parameter."""
    needle = f"attach://{name}"
    return any(isinstance(v, str) and needle in v for v in raw.values())


def _resolve_attach(value: str, files: dict[str, UploadedFile], name: str) -> Any:
    if value.startswith("attach://"):
        part = value.removeprefix("attach://")
        if part not in files:
            raise bad_request(f'parameter "{name}" refers to a missing file part "{part}"')
        return files[part]
    return value


def load_error(exc: Exception) -> ApiError:
    return ApiError(500, f"Internal Server Error: {exc}")
