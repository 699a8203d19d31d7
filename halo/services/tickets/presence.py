"""Ephemeral presence on a ticket: typing is only published; viewing is a heartbeat with an expiry.

An agent's ticket page renews its "viewing" every BEAT seconds. A page not renewed for
TTL seconds (its process crashed, or its network died without a close, so no "left" was
ever said) is dropped by the schedule's presence-expiry job, which publishes "left" so
every open page drops it too. A new page reads who is there from the store.

The store is Redis when REDIS_URL is set: every process sees every viewer, and a viewer
outlives the process that wrote it, which is what lets another process expire it.
Otherwise a dict in this process: the embedded server's bus is in-process too, so a
viewer in another process could not be heard anyway. Not the database: a write every
BEAT seconds per open page, for data nobody keeps.
"""
import json
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flask import Flask, current_app

from halo import clock, realtime

if TYPE_CHECKING:
    from redis import Redis

BEAT = 20  # seconds between an open page's heartbeats
TTL = 60  # a viewer not heard from for this long is gone (three beats missed)
EPOCH = datetime(1970, 1, 1)
REDIS_PREFIX = "halo:presence:"
# Remove a viewer only if its heartbeat is still lapsed: one renewed since the scan stays.
_EXPIRE_LUA = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) <= tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[3])
  return 1
end
return 0
"""


class MemoryStore:
    """Viewers in this process: (ticket id, conn) -> (expires at, user id, name)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._viewers: dict[tuple[int, str], tuple[datetime, int, str]] = {}

    def put(self, ticket_id: int, conn: str, user_id: int, name: str, expires_at: datetime) -> None:
        with self._lock:
            self._viewers[(ticket_id, conn)] = (expires_at, user_id, name)

    def remove(self, ticket_id: int, conn: str) -> None:
        with self._lock:
            self._viewers.pop((ticket_id, conn), None)

    def viewers(self, ticket_id: int, now: datetime) -> dict[str, tuple[int, str]]:
        with self._lock:
            return {conn: (uid, name) for (tid, conn), (until, uid, name) in self._viewers.items()
                    if tid == ticket_id and until > now}

    def take_expired(self, now: datetime) -> list[tuple[int, str, int]]:
        with self._lock:
            gone = [(key, uid) for key, (until, uid, _) in self._viewers.items() if until <= now]
            for key, _ in gone:
                del self._viewers[key]
        return [(tid, conn, uid) for (tid, conn), uid in gone]


class RedisStore:
    """Viewers in Redis: a hash per ticket (conn -> who) and one sorted set of expiry times."""

    def __init__(self, redis: "Redis", prefix: str = REDIS_PREFIX):
        self.redis, self.prefix = redis, prefix
        self.due = prefix + "due"
        self._expire = redis.register_script(_EXPIRE_LUA)

    def _ticket(self, ticket_id: int) -> str:
        return f"{self.prefix}ticket:{ticket_id}"

    def put(self, ticket_id, conn, user_id, name, expires_at) -> None:
        who = json.dumps({"user_id": user_id, "name": name, "until": _stamp(expires_at)})
        pipe = self.redis.pipeline()
        pipe.hset(self._ticket(ticket_id), conn, who)
        pipe.zadd(self.due, {f"{ticket_id}:{conn}": _stamp(expires_at)})
        pipe.execute()

    def remove(self, ticket_id, conn) -> None:
        pipe = self.redis.pipeline()
        pipe.hdel(self._ticket(ticket_id), conn)
        pipe.zrem(self.due, f"{ticket_id}:{conn}")
        pipe.execute()

    def viewers(self, ticket_id, now) -> dict[str, tuple[int, str]]:
        out = {}
        for conn, raw in self.redis.hgetall(self._ticket(ticket_id)).items():
            who = json.loads(raw)
            if who["until"] > _stamp(now):
                out[conn.decode()] = (who["user_id"], who["name"])
        return out

    def take_expired(self, now) -> list[tuple[int, str, int]]:
        gone = []
        for member in self.redis.zrangebyscore(self.due, "-inf", _stamp(now)):
            ticket_id, _, conn = member.decode().partition(":")
            raw = self.redis.hget(self._ticket(int(ticket_id)), conn)
            if self._expire(keys=[self.due, self._ticket(int(ticket_id))], args=[member, _stamp(now), conn]):
                gone.append((int(ticket_id), conn, json.loads(raw)["user_id"] if raw else None))
        return gone


def _stamp(when: datetime) -> float:
    return (when - EPOCH).total_seconds()


def init_presence(app: Flask) -> None:
    """Pick the viewers' store from configuration (Redis when REDIS_URL is set)."""
    url = app.config.get("REDIS_URL")
    if not url:
        app.extensions["halo_presence"] = MemoryStore()
        return
    from redis import Redis  # only where Redis is configured (~8 MB a process)
    app.extensions["halo_presence"] = RedisStore(Redis.from_url(url))


def _store():
    return current_app.extensions["halo_presence"]


def announce(ticket_id: int, kind: str, **data) -> None:
    """kind: viewing | here | left | typing (agents) or visitor_typing (the widget)."""
    realtime.publish(f"ticket:{ticket_id}", {"type": kind, "ticket_id": ticket_id, **data})


def heartbeat(ticket_id: int, user_id: int, name: str, conn: str, kind: str = "here",
              now: datetime | None = None) -> None:
    """Page conn views the ticket for TTL more seconds; kind "viewing" when it has just opened."""
    _store().put(ticket_id, conn, user_id, name, (now or clock.now()) + timedelta(seconds=TTL))
    announce(ticket_id, kind, user_id=user_id, name=name, conn=conn)


def leave(ticket_id: int, user_id: int, conn: str) -> None:
    """Page conn closed: forget it and tell the ticket's other pages."""
    _store().remove(ticket_id, conn)
    announce(ticket_id, "left", user_id=user_id, conn=conn)


def viewers(ticket_id: int, now: datetime | None = None) -> dict[str, tuple[int, str]]:
    """The pages viewing a ticket now: conn -> (user id, name)."""
    return _store().viewers(ticket_id, now or clock.now())


def expire(now: datetime | None = None) -> int:
    """Drop viewers whose heartbeat lapsed and publish "left" for each; returns how many."""
    gone = _store().take_expired(now or clock.now())
    for ticket_id, conn, user_id in gone:
        announce(ticket_id, "left", user_id=user_id, conn=conn)
    return len(gone)
