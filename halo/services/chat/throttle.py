"""Rate limits on the widget socket, per visitor and per client address, never per
connection: thirty sockets on one token share the one visitor's allowance.

Built on `limits` (moving windows). The counts live in memory in the embedded server and
in Redis when REDIS_URL is set, so every web process of a scaled-out team counts against
the same windows. A Redis that is down lets frames through (and says so in the log)
rather than closing every chat: the limits guard storage, the chat must still work.

Each limit is read from the configuration when it is checked, in limits' own notation
("20 per 5 seconds", several joined by ';').
"""
import functools
import logging
import os

from flask import Flask, current_app
from flask_babel import gettext
from limits import RateLimitItem, parse_many, storage, strategies
from limits.errors import StorageError

log = logging.getLogger(__name__)

# Setting -> default; the environment may override each (README, "Chat widget").
LIMITS = {
    "HALO_WIDGET_VISITOR_LIMIT": "20 per 5 seconds",  # frames of one visitor, all its sockets
    "HALO_WIDGET_ADDRESS_LIMIT": "60 per 5 seconds",  # frames from one client address
    "HALO_WIDGET_HELLO_LIMIT": "30 per minute",  # sockets opened from one address
    "HALO_WIDGET_NEW_VISITOR_LIMIT": "20 per hour",  # visitors stored from one address
    "HALO_CSAT_ANSWER_LIMIT": "20 per hour",  # answers posted to one ticket's survey page
}
KEY_PREFIX = "halo-widget-limits"


@functools.lru_cache(maxsize=32)
def _parsed(text: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(text))


class Throttle:
    """Moving-window limits over one storage, memory or Redis."""

    def __init__(self, redis_url: str = ""):
        uri = redis_url or "memory://"
        options = {"key_prefix": KEY_PREFIX} if redis_url else {}
        self.storage = storage.storage_from_string(uri, wrap_exceptions=True, **options)
        self.limiter = strategies.MovingWindowRateLimiter(self.storage)

    def allow(self, setting: str, *identifiers: str) -> bool:
        """Count one hit against every window of setting for identifiers; False when over."""
        allowed = True
        try:
            for item in _parsed(current_app.config[setting]):
                allowed = self.limiter.hit(item, setting, *identifiers) and allowed
        except StorageError as exc:
            log.warning("widget rate limits unavailable, letting the frame through: %s", exc)
            return True
        return allowed

    def reset(self) -> None:
        """Forget every count (tests)."""
        self.storage.reset()


def init_throttle(app: Flask) -> None:
    """Read the limits (failing at start-up on one limits cannot parse) and pick the storage."""
    for key, default in LIMITS.items():
        app.config.setdefault(key, os.environ.get(key, default))
        try:
            _parsed(app.config[key])
        except ValueError as exc:
            raise ValueError(gettext("%(key)s=%(value)s is not a rate limit such as '20 per 5 seconds': %(exc)s", key=key, value=f'{app.config[key]!r}', exc=exc)) from None
    app.extensions["halo_widget_throttle"] = Throttle(app.config.get("REDIS_URL") or "")


def throttle() -> Throttle:
    """The current app's throttle."""
    return current_app.extensions["halo_widget_throttle"]
