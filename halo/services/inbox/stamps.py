"""Change stamps, and the rendered pieces kept until they change.

A busy inbox is read far more often than it is written, and rendering its rows or a long
thread is most of a page's cost. So a page keeps what it rendered in a per-process cache,
keyed by numbers that move on with every write to what the piece shows:

- scope stamps (the change_stamp table): "inbox" moves on with any write to tickets,
  customers, messages, mentions or teammates; "team" with teammates, aliases and
  settings; "segments" with saved segments. The sidebar statement reads them with the counts, so a
  page learns them without another query.
- Ticket.thread_rev moves on with any write to that ticket, a line of its thread or its
  HaloPilot conversation.

Both move in the same transaction as the write, so a reader that sees the data sees the
stamp, in every process: the cache needs no messages between processes. A before_flush
hook notes what each flush wrote; the scope rows are moved just before the commit, so the
one row every write touches is held for an instant, and always last (on PostgreSQL, rows
taken in different orders by two transactions are how deadlocks start). The stamp is read
before the data, so a copy is never filed under a newer stamp than what it shows. Writes
that bypass the ORM call bump() themselves. Every key also carries the minute, so relative
times stay right and a write that forgot to bump shows within a minute.
"""
import secrets
import threading
from collections import OrderedDict
from datetime import datetime

from flask import g, has_request_context
from sqlalchemy import bindparam, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from halo.extensions import db
from halo.i18n import locale_key
from halo.models import (
    AliasUser,
    ChangeStamp,
    Customer,
    EmailAttachment,
    Inbox,
    InboxAddress,
    Mention,
    Message,
    Segment,
    Setting,
    SlaPolicy,
    Tag,
    Team,
    Ticket,
    User,
)
from halo.models.ai import PilotMessage

SCOPES = ("inbox", "team", "segments")
_PENDING = "halo_stamp_scopes"  # in Session.info: scopes written since the last commit
# Which scopes a write to each model moves on.
_SCOPES = {
    Ticket: ("inbox",), Customer: ("inbox",), Message: ("inbox",), Mention: ("inbox",),
    EmailAttachment: (), PilotMessage: (), User: ("inbox", "team"), AliasUser: ("team",),
    Setting: ("team",), Segment: ("segments",),
    # Whether any SLA policy is on decides if the ticket page computes clocks at all.
    SlaPolicy: ("team",),
    # Rows show tag names and colours (a tag on a ticket always comes with an event line).
    Tag: ("inbox",),
    # Who sees which inbox: rows, counts and segment counts change with it.
    Inbox: ("inbox", "team", "segments"), InboxAddress: ("team",), Team: ("inbox", "team", "segments"),
}


def _track_changes(session, _ctx, _instances):
    scopes, threads, via_messages = set(), set(), set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        watched = _SCOPES.get(type(obj))
        if watched is None or (obj in session.dirty and not session.is_modified(obj)):
            continue
        scopes.update(watched)
        if isinstance(obj, Ticket):
            if obj not in session.new:
                threads.add(obj.id)
        elif isinstance(obj, Message):
            threads.update(_thread_ids(obj))
        elif isinstance(obj, PilotMessage):
            threads.add(obj.ticket_id)
        elif isinstance(obj, EmailAttachment):
            message = obj.__dict__.get("message")
            if message is not None:
                threads.add(message.ticket_id)
            else:
                via_messages.add(obj.message_id)
    threads.discard(None)
    via_messages.discard(None)
    session.info.setdefault(_PENDING, set()).update(scopes)
    # One statement for every ticket touched, loaded or not; the loaded copies' value is
    # stale until the commit expires them, which no reader of a page meets.
    if threads:
        _bump_threads(session, sorted(threads))
    if via_messages:
        _bump_threads(session, Ticket.id.in_(
            select(Message.ticket_id).where(Message.id.in_(sorted(via_messages)))))


def _bump_scopes(session):
    session.flush()  # the commit's own flush comes after this hook: note its scopes now
    for scope in sorted(session.info.pop(_PENDING, ())):
        session.execute(_bump_statement(session, scope), {"scope": scope, "start": secrets.randbits(52)})


def _forget_scopes(session):
    session.info.pop(_PENDING, None)


def _bump_threads(session, condition) -> None:
    if isinstance(condition, list):  # ticket ids: the statement built once, ids bound
        session.execute(_BUMP_THREADS, {"ids": condition})
        return
    session.execute(update(Ticket).where(condition).values(thread_rev=Ticket.thread_rev + 1)
                    .execution_options(synchronize_session=False))


# Every write runs these: built once (the construct and its cache key cost more than the
# statement itself on a small transaction), their values bound per call.
_BUMP_THREADS = (update(Ticket).where(Ticket.id.in_(bindparam("ids", expanding=True)))
                 .values(thread_rev=Ticket.thread_rev + 1).execution_options(synchronize_session=False))
_BUMP_SCOPE: dict[str, object] = {}


def _thread_ids(message: Message) -> set:
    """The ticket(s) a message's write touches: a move (merge, split) touches both."""
    history = inspect(message).attrs.ticket_id.history
    return {message.ticket_id, *(history.deleted or ())}


def _bump_statement(session, scope: str):
    """The upsert of one scope's stamp; bind "scope" and "start" when executing it."""
    dialect = session.get_bind().dialect.name
    stmt = _BUMP_SCOPE.get(dialect)
    if stmt is None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        # A new scope starts at random: a cache that outlives an emptied table never meets
        # a number it has seen before.
        stmt = insert(ChangeStamp).values(scope=bindparam("scope"), n=bindparam("start"))
        stmt = _BUMP_SCOPE[dialect] = stmt.on_conflict_do_update(
            index_elements=["scope"], set_={"n": ChangeStamp.n + 1})
    return stmt


def bump(session, *scopes: str) -> None:
    """Move scopes on, at the commit, for a write that bypasses the ORM (an UPDATE statement)."""
    session.info.setdefault(_PENDING, set()).update(scopes)


class PieceCache:
    """Pieces by key, least recently used dropped first once they hold more than `budget`
    characters (strings and bytes count their length, anything else `unit`); safe across
    threads."""

    def __init__(self, budget: int = 16_000_000, unit: int = 200):
        self.budget, self.unit, self.held = budget, unit, 0
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def _size(self, value) -> int:
        return len(value) if isinstance(value, (str, bytes)) else self.unit

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.held -= self._size(old)
            self._items[key] = value
            self.held += self._size(value)
            while self.held > self.budget and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                self.held -= self._size(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.held = 0


# ~16 M characters: a 100-message thread is ~100 k, an inbox page of rows ~15 k, so this
# keeps the pages a small team has open, in ~32-64 MB per process at most.
pieces = PieceCache()
# Search results apart, in ~4 MB: a search typed asks for a page at every pause, and each would
# otherwise push pages a team has open out of `pieces`. ~130 result pages of ~15 k characters.
search_results = PieceCache(budget=2_000_000)


def current(scope: str) -> int | None:
    """A scope's stamp as stored now (None before the first write that moves it)."""
    return db.session.scalar(select(ChangeStamp.n).where(ChangeStamp.scope == scope))


def read_all() -> dict:
    """Every scope's stamp as stored now, remembered for the pieces the request renders
    later: for an answer that shows no sidebar counts (whose statement reads them too)."""
    stored = {scope: n for scope, n in db.session.execute(select(ChangeStamp.scope, ChangeStamp.n))}
    remember({**dict.fromkeys(SCOPES), **stored})
    return stored


def minute(now: datetime) -> datetime:
    """The part of a key that ages pieces showing relative times ("5m")."""
    return now.replace(second=0, microsecond=0)


def remember(scope_stamps: dict) -> None:
    """Keep the stamps the request's sidebar statement read, for pieces rendered later."""
    if has_request_context():
        g._halo_stamps = scope_stamps


# What seen() answers for a stamp this request has not read: a key holding it is not cached.
UNKNOWN = object()


def seen(scope: str):
    """The stamp of a scope as this request read it, else UNKNOWN."""
    known = g.get("_halo_stamps", {}) if has_request_context() else {}
    return known.get(scope, UNKNOWN)


def cached(key: tuple, render, store: PieceCache | None = None):
    """The piece filed under key in store (pieces unless given), or render() filed there (not
    when key holds UNKNOWN)."""
    if any(part is UNKNOWN for part in key):
        return render()
    store = pieces if store is None else store
    key += (locale_key(),)  # a piece is kept per language (halo/i18n.py)
    value = store.get(key)
    if value is None:
        value = render()
        store.put(key, value)
    return value


# Installed by create_app (services/transactions/hooks.py). The scope rows are moved by the last
# before_commit hook of all (COMMIT_HOOKS, installed after every other module's): hooks that
# write in the committing transaction (webhook events, surveys) then do so before the hot row
# is taken, not while it is held, and their writes' scopes are moved with the rest.
HOOKS = (("before_flush", _track_changes), ("after_rollback", _forget_scopes))
COMMIT_HOOKS = (("before_commit", _bump_scopes),)
