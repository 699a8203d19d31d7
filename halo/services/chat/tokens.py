"""Visitor tokens: a random visitor key, signed with SECRET_KEY and stamped with its issue
time (itsdangerous' timestamp signer, reading halo.clock so tests move time instead of
sleeping). A token older than HALO_WIDGET_TOKEN_MAX_AGE seconds is refused; every hello
is answered with a freshly stamped token, so a widget in use never reaches that age.

Tokens issued before tokens carried a time (salt "halo-visitor", no stamp) are read once
more, and only while their visitor was seen within the same age, so a widget open before
the upgrade keeps its conversation; it is handed a stamped token at once.
"""
import hashlib
import secrets
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import current_app
from itsdangerous import (
    BadSignature,
    SignatureExpired,
    TimestampSigner,
    URLSafeSerializer,
    URLSafeTimedSerializer,
)

from halo import clock

DEFAULT_MAX_AGE = 30 * 24 * 3600
MAX_TOKEN_LENGTH = 512  # a real token is ~100 characters
SALT = "halo-visitor-t1"
LEGACY_SALT = "halo-visitor"


class ClockSigner(TimestampSigner):
    """Stamps and ages tokens by halo.clock, not the wall clock."""

    def get_timestamp(self) -> int:
        return int((clock.now() - datetime(1970, 1, 1)).total_seconds())


class TokenKey(NamedTuple):
    """What a token says: the visitor key, or why there is none ('missing', 'invalid',
    'expired'); legacy is True for an unstamped token from before the upgrade."""
    key: str | None
    problem: str | None = None
    legacy: bool = False


def max_age() -> int:
    """Seconds a token stays good after it was issued (HALO_WIDGET_TOKEN_MAX_AGE)."""
    return int(current_app.config.get("HALO_WIDGET_TOKEN_MAX_AGE") or DEFAULT_MAX_AGE)


def _timed() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT, signer=ClockSigner)


def new_key() -> str:
    """A random, unguessable visitor key."""
    return secrets.token_urlsafe(32)


def issue(key: str) -> str:
    """A token for key, stamped now."""
    return _timed().dumps({"v": key})


def read(token: str | None) -> TokenKey:
    """The key a token names, if it is genuine and young enough."""
    if not token:
        return TokenKey(None, "missing")
    try:
        data = _timed().loads(token, max_age=max_age())
    except SignatureExpired:
        return TokenKey(None, "expired")
    except BadSignature:
        return _read_legacy(token)
    key = data.get("v") if isinstance(data, dict) else None
    return TokenKey(key, None) if isinstance(key, str) else TokenKey(None, "invalid")


def _read_legacy(token: str) -> TokenKey:
    try:
        data = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=LEGACY_SALT).loads(token)
    except BadSignature:
        return TokenKey(None, "invalid")
    key = data.get("v") if isinstance(data, dict) else None
    return TokenKey(key, None, legacy=True) if isinstance(key, str) else TokenKey(None, "invalid")


def legacy_still_good(last_seen_at: datetime, now: datetime) -> bool:
    """An unstamped token is good while its visitor was seen within the token age."""
    return now - last_seen_at <= timedelta(seconds=max_age())


def key_digest(key: str) -> str:
    """A stable name for a visitor key that does not reveal it (bus topics, rate limits)."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]
