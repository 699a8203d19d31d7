"""Ticket counts for filtered views and segments, cached briefly per process.

A segment's condition can be anything (traits, text search), so no counter table can
keep it. Counting on each page load would scan up to every ticket once per pinned
segment, so counts are cached per (view, filter, viewer if the filter says "me"):
a count is reused until a ticket, customer or message changes in this process, and
never longer than TTL (changes made by other processes show within TTL). MIN_AGE caps
recounting to once per key per interval while the inbox is busy.
"""
import threading
import time
from urllib.parse import parse_qs

from sqlalchemy import and_, func, select

from halo.extensions import db
from halo.models import Customer, Message, Ticket
from halo.services.access import scope as access_scope
from halo.services.inbox.filters import filter_condition, parse_filters
from halo.services.inbox.views import view_condition

TTL = 30.0
MIN_AGE = 2.0
_lock = threading.Lock()
_cache: dict[tuple, tuple[int, float, int]] = {}
_generation = 0
_WATCHED = (Ticket, Customer, Message)


def _bump() -> None:
    global _generation
    with _lock:
        _generation += 1


def _after_flush(session, _ctx):
    if any(isinstance(o, _WATCHED) for o in (*session.new, *session.dirty, *session.deleted)):
        _bump()


def _after_bulk(state):
    # Bulk UPDATE/DELETE (and Core statements run through the session) skip flush events.
    if state.is_update or state.is_delete or state.is_insert:
        _bump()


def reset_cache() -> None:
    """Forget every cached count (tests, and after bulk loads)."""
    with _lock:
        _cache.clear()
    _bump()


def count_tickets(view: str, query: str, user_id: int, now, clock=time.monotonic) -> int:
    """How many tickets a view narrowed by a canonical filter query lists now."""
    flt = parse_filters(parse_qs(query))
    # Per viewer when the filter says "me", and per sight: agents of different teams count
    # different tickets (the open access scope narrows the count's statement).
    key = (view, query, user_id if flt.uses_me or view in ("mine",) else None, access_scope.scope_key())
    at = clock()
    with _lock:
        cached = _cache.get(key)
        generation = _generation
    if cached is not None:
        n, computed_at, seen = cached
        age = at - computed_at
        if age < MIN_AGE or (seen == generation and age < TTL):
            return n
    n = db.session.scalar(select(func.count()).select_from(Ticket).where(
        and_(view_condition(view, user_id, now), filter_condition(flt, user_id))))
    with _lock:
        _cache[key] = (n, at, generation)
    return n


# Installed by create_app (services/transactions/hooks.py).
HOOKS = (("after_flush", _after_flush), ("do_orm_execute", _after_bulk))
