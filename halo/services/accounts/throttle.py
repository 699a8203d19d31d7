"""Sign-in throttling: failed attempts counted per account and per address.

Each side has a ladder of limits in the `limits` notation, e.g. "5/minute;10/15 minutes;
20/hour;50/day": once a limit is reached, attempts wait until its window ends, so someone
who keeps guessing waits a minute, then a quarter hour, then an hour, then a day (backoff).
While blocked, the password is not even checked: the right one does not get in either.
A success clears the account's counts (not the address's: one known password must not
buy an address more guesses at other accounts). A two-factor code that fails counts as a
failed attempt too.

Windows are numbered from halo.clock, so tests move time instead of waiting; the `limits`
library's storage holds the counts: in memory for the embedded server (one process), in
Redis when scaled out (every process and host sees the same counts). If that storage
fails, counting goes on in this process's memory rather than letting guesses through
uncounted or refusing everyone.
"""
import hashlib
import ipaddress
import logging
import math
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string

from halo import clock

log = logging.getLogger(__name__)

ACCOUNT_LIMITS = "5/minute;10/15 minutes;20/hour;50/day"
ADDRESS_LIMITS = "30/minute;100/hour;300/day"
# Reset mails: few per account (an inbox is not to be flooded), more per address.
RESET_ACCOUNT_LIMITS = "3/hour;10/day"
RESET_ADDRESS_LIMITS = "10/hour;50/day"


@dataclass
class Throttle:
    storage: Storage
    account_limits: list[RateLimitItem]
    address_limits: list[RateLimitItem]
    prefix: str = "halo-signin"

    def __post_init__(self):
        self.fallback = MemoryStorage()

    def wait(self, account: str, address: str, now: datetime) -> int:
        """Seconds until an attempt for account from address may be tried; 0 if it may now."""
        ts = _timestamp(now)
        waits = [_window_end(item, ts) - ts
                 for side, ident, items in self._sides(account, address)
                 for item in items
                 if self._get(self._key(side, ident, item, ts)) >= item.amount]
        return math.ceil(max(waits)) if waits else 0

    def failed(self, account: str, address: str, now: datetime) -> None:
        """Count one failed attempt on both sides, in every window of the ladder."""
        ts = _timestamp(now)
        for side, ident, items in self._sides(account, address):
            for item in items:
                self._incr(self._key(side, ident, item, ts), item.get_expiry())

    def first_refusal(self, account: str, address: str, now: datetime, wait: int) -> bool:
        """Whether this is the first attempt refused for account from address until the
        block ends: the audit log notes a block once, not every attempt that hits it
        (someone hammering the form must not fill the database)."""
        until = int(_timestamp(now)) + wait
        key = f"{self.prefix}/refused/{_account(account)}/{_network(address)}/{until}"
        return int(self._call("incr", key, wait + 60) or 0) == 1

    def succeeded(self, account: str, now: datetime) -> None:
        """The account signed in: its own counts start again."""
        ts = _timestamp(now)
        for item in self.account_limits:
            self._call("clear", self._key("account", _account(account), item, ts))

    def reset(self) -> None:
        """Forget every count (tests; an admin after a false alarm)."""
        self._call("reset")
        self.fallback.reset()

    def _sides(self, account, address):
        return (("account", _account(account), self.account_limits),
                ("address", _network(address), self.address_limits))

    def _key(self, side: str, ident: str, item: RateLimitItem, ts: float) -> str:
        window = int(ts // item.get_expiry())
        return f"{self.prefix}/{side}/{ident}/{item.amount}/{item.get_expiry()}/{window}"

    def _get(self, key: str) -> int:
        return int(self._call("get", key) or 0)

    def _incr(self, key: str, expiry: int) -> None:
        # Kept a window longer than it counts for: the key names its window already, the
        # expiry only clears old windows away (and tolerates a clock moved by tests).
        self._call("incr", key, expiry * 2)

    def _call(self, name, *args):
        try:
            return getattr(self.storage, name)(*args)
        except Exception as exc:  # Redis away: count in memory, never uncounted, never a 500
            log.warning("sign-in throttle storage failed (%s); counting in memory", exc)
            return getattr(self.fallback, name)(*args)


def _timestamp(now: datetime) -> float:
    return (now - datetime(1970, 1, 1)).total_seconds()


def _window_end(item: RateLimitItem, ts: float) -> float:
    size = item.get_expiry()
    return (ts // size + 1) * size


def _account(email: str) -> str:
    """An account as typed (an unknown address is throttled like a real one, so the
    answers never tell them apart), hashed so no address sits in Redis in clear."""
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:32]


def _network(address: str) -> str:
    """An IPv4 address, or the /64 of an IPv6 one (what one client is usually given)."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return "unknown"
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address) + "/64"
    return str(ip)


def init_throttle(app) -> None:
    """The throttles for this app, counting in HALO_THROTTLE_STORAGE, else REDIS_URL, else memory."""
    uri = app.config.get("HALO_THROTTLE_STORAGE") or app.config.get("REDIS_URL") or "memory://"
    storage = storage_from_string(uri)
    config = app.config.get
    app.extensions["halo_throttle"] = Throttle(
        storage, parse_many(config("HALO_SIGNIN_LIMITS_ACCOUNT") or ACCOUNT_LIMITS),
        parse_many(config("HALO_SIGNIN_LIMITS_ADDRESS") or ADDRESS_LIMITS))
    app.extensions["halo_reset_throttle"] = Throttle(
        storage, parse_many(RESET_ACCOUNT_LIMITS), parse_many(RESET_ADDRESS_LIMITS), prefix="halo-reset")


def _throttle() -> Throttle:
    return current_app.extensions["halo_throttle"]


def reset_mail_allowed(email: str, address: str, now: datetime | None = None) -> tuple[bool, bool]:
    """(whether another reset mail may go to email, asked from address; whether this ask
    is worth an audit line: every allowed one, and the first refused of a block). Counts it."""
    throttle, now = current_app.extensions["halo_reset_throttle"], now or clock.now()
    wait = throttle.wait(email, address, now)
    if wait:
        return False, throttle.first_refusal(email, address, now, wait)
    throttle.failed(email, address, now)
    return True, True


def sign_in_wait(email: str, address: str, now: datetime | None = None) -> int:
    """Seconds before a sign-in for email from address may be tried (0: now)."""
    return _throttle().wait(email, address, now or clock.now())


def sign_in_failed(email: str, address: str, now: datetime | None = None) -> None:
    """Count a wrong password or two-factor code."""
    _throttle().failed(email, address, now or clock.now())


def first_refusal(email: str, address: str, wait: int, now: datetime | None = None) -> bool:
    """Whether a refusal (wait seconds left) is the first of its block for email from address."""
    return _throttle().first_refusal(email, address, now or clock.now(), wait)


def sign_in_succeeded(email: str, now: datetime | None = None) -> None:
    """Clear the account's counts after a complete sign-in."""
    _throttle().succeeded(email, now or clock.now())
