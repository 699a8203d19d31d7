"""Per-token rate limits for the API, counted by the `limits` library.

A fixed window per token (HALO_API_RATE_LIMIT, "600/minute" by default), counted in Redis
when REDIS_URL is set, so every process and host shares one count, else in this process.
A store that cannot be reached lets the call through: the limit protects Halo, and an
outage of Redis must not turn into an outage of the API.
"""
import logging
import math
import time
from dataclasses import dataclass

from flask import Flask, current_app
from limits import parse, storage, strategies

log = logging.getLogger(__name__)
DEFAULT = "600/minute"


@dataclass(frozen=True)
class Verdict:
    """What one call used: allowed or not, and the figures for the RateLimit-* headers."""
    allowed: bool
    limit: int
    remaining: int
    reset: int  # seconds until the window starts over
    window: int  # the window's length in seconds

    def headers(self) -> dict[str, str]:
        """RateLimit-Limit / -Remaining / -Reset (draft-ietf-httpapi-ratelimit-headers) and
        the policy, plus Retry-After when refused."""
        out = {"RateLimit-Limit": str(self.limit), "RateLimit-Remaining": str(self.remaining),
               "RateLimit-Reset": str(self.reset), "RateLimit-Policy": f"{self.limit};w={self.window}"}
        if not self.allowed:
            out["Retry-After"] = str(max(1, self.reset))
        return out


class Limiter:
    """One limit, one store, one strategy."""

    def __init__(self, rule: str, uri: str):
        self.item = parse(rule)
        self.store = storage.storage_from_string(uri)
        self.strategy = strategies.FixedWindowRateLimiter(self.store)

    def hit(self, key: str) -> Verdict | None:
        """Count one call of the token known by key; None when the store cannot be reached."""
        try:
            allowed = self.strategy.hit(self.item, "halo-api", key)
            stats = self.strategy.get_window_stats(self.item, "halo-api", key)
        except Exception as exc:  # Redis away: let the call through
            log.warning("API rate limit store unreachable: %s", exc)
            return None
        reset = max(0, math.ceil(stats.reset_time - time.time()))
        return Verdict(allowed, self.item.amount, stats.remaining, reset, self.item.get_expiry())


def init_app(app: Flask) -> None:
    """Make the app's limiter from its configuration."""
    rule = app.config.get("HALO_API_RATE_LIMIT") or DEFAULT
    parse(rule)  # a bad setting fails at start, not on the first call
    uri = app.config.get("REDIS_URL") or "memory://"
    app.extensions["halo_api_limiter"] = Limiter(rule, uri)


def hit(key: str) -> Verdict | None:
    """Count one call of the token known by key (Principal.limit_key) against the app's limit."""
    return current_app.extensions["halo_api_limiter"].hit(key)
