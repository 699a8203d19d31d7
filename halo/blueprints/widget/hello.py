"""The widget's first frame, checked field by field: anything but a well-formed hello closes
the socket with 1008 and a reason that says what was wrong (docs/widget-protocol.md)."""
import re
from typing import NamedTuple

from halo.blueprints.wsutil import parse
from halo.services.chat.tokens import MAX_TOKEN_LENGTH

MAX_HELLO = 2048  # bytes: a real hello is under 300
MAX_ID = 2 ** 53 - 1  # the largest whole number a browser's JSON keeps exactly
MAX_TZ = 64


class BadHello(Exception):
    """Why a hello was refused (the close reason, under 123 bytes)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Hello(NamedTuple):
    token: str | None
    last_id: int
    language: str | None = None  # the browser's (navigator.language), a hint for a new customer
    tz: str | None = None  # the visitor's IANA time zone, when the widget knows it


def parse_hello(frame, workspace: str | None) -> Hello:
    """The hello in frame, or BadHello; workspace is the one this Halo serves (None: any)."""
    if frame is None:
        raise BadHello("expected hello")
    if not isinstance(frame, str):
        raise BadHello("hello must be a text frame")
    if len(frame.encode()) > MAX_HELLO:
        raise BadHello(f"hello larger than {MAX_HELLO} bytes")
    data = parse(frame)
    if data is None:
        raise BadHello("hello must be a JSON object")
    if data.get("type") != "hello":
        raise BadHello("expected hello")
    _check_workspace(data.get("workspace"), workspace)
    return Hello(_token(data), _last_id(data), _language(data.get("language")), _tz(data))


def _check_workspace(given, workspace: str | None) -> None:
    """A workspace, when given, is a string; when this Halo has one, it must match."""
    if given is not None and not isinstance(given, str):
        raise BadHello("hello workspace must be a string")
    if workspace and given != workspace:
        raise BadHello("unknown workspace")


def _token(data: dict) -> str | None:
    if "token" not in data:
        raise BadHello("hello needs a token (a string, or null for a new visitor)")
    token = data["token"]
    if token is not None and not isinstance(token, str):
        raise BadHello("hello token must be a string or null")
    if token is not None and len(token) > MAX_TOKEN_LENGTH:
        raise BadHello(f"hello token longer than {MAX_TOKEN_LENGTH} characters")
    return token


def _last_id(data: dict) -> int:
    """A message id the widget holds: a whole number from 0 to MAX_ID."""
    if "last_id" not in data:
        raise BadHello("hello needs last_id (0 for none)")
    value = data["last_id"]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        raise BadHello(f"hello last_id must be a whole number from 0 to {MAX_ID}")
    return value


LANGUAGE_TAG = re.compile(r"^([A-Za-z]{2,3})(-[A-Za-z0-9]{1,8})*$")


def _language(value) -> str | None:
    """The primary language of a BCP 47 tag ("pt-BR" -> "pt"); anything else is ignored, not
    refused: an odd browser must still be able to chat."""
    if not isinstance(value, str) or len(value) > 35:
        return None
    match = LANGUAGE_TAG.match(value)
    return match.group(1).lower() if match else None


def _tz(data: dict) -> str | None:
    """An optional time zone name; one this server does not know is simply not used."""
    value = data.get("tz")
    if value is not None and (not isinstance(value, str) or len(value) > MAX_TZ):
        raise BadHello(f"hello tz must be a time zone name (a string up to {MAX_TZ} characters)")
    return value or None
