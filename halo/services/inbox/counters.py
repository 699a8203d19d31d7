"""Ticket counts per (status, assignee, inbox), and snoozes per end time, kept in step
with every flush.

Counting 100,000 tickets on each page load is too slow for the sidebar, so every
insert, update or delete of a ticket adjusts a tiny counter table in the same
transaction. Snoozed tickets are also counted by when they end (SnoozeCounter), so the
sidebar's count of ended snoozes the sweeper has not woken yet reads a row per end time
(one when many end at once), not a row per ticket. Bulk loaders that bypass the ORM call
rebuild_counters() afterwards.
"""
from collections import Counter

from sqlalchemy import delete, func, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from halo.extensions import db
from halo.models import SnoozeCounter, Ticket, TicketCounter
from halo.services.inbox import stamps


def _key(status, assignee_id, inbox_id):
    return (status or "open", assignee_id or 0, inbox_id or 0)


def _old_key(session, state):
    return _key(*(_old_value(session, state, attr) for attr in ("status", "assignee_id", "inbox_id")))


def _old_value(session, state, attr):
    """The value as stored, before this flush's change to it."""
    hist = state.attrs[attr].history
    if hist.deleted:
        return hist.deleted[0]
    if hist.added:
        # Changed from a value that was never loaded (a ticket flushed without an
        # assignee, then assigned; a column left out of the query): read it as stored.
        # Core on the flush's own connection, so nothing autoflushes.
        return session.connection().scalar(
            select(getattr(Ticket, attr)).where(Ticket.id == state.identity[0]))
    return getattr(state.object, attr)


def _snooze_key(status, until, assignee_id, inbox_id):
    """The SnoozeCounter row a ticket counts in, or None when it is not snoozed."""
    if status != "snoozed" or until is None:
        return None
    return (until, assignee_id or 0, inbox_id or 0)


def _track_ticket_counts(session, _ctx, _instances):
    deltas, snoozes = Counter(), Counter()
    for obj in session.new:
        if isinstance(obj, Ticket):
            deltas[_key(obj.status, obj.assignee_id, obj.inbox_id)] += 1
            snoozes[_snooze_key(obj.status, obj.snoozed_until, obj.assignee_id, obj.inbox_id)] += 1
    for obj in session.dirty:
        if not isinstance(obj, Ticket):
            continue
        state = inspect(obj)
        old = _old_key(session, state)
        new = _key(obj.status, obj.assignee_id, obj.inbox_id)
        if old != new:
            deltas[old] -= 1
            deltas[new] += 1
        if old[0] == "snoozed" or new[0] == "snoozed":
            old_snooze = _snooze_key(old[0], _old_value(session, state, "snoozed_until"), old[1], old[2])
            new_snooze = _snooze_key(obj.status, obj.snoozed_until, obj.assignee_id, obj.inbox_id)
            if old_snooze != new_snooze:
                snoozes[old_snooze] -= 1
                snoozes[new_snooze] += 1
    for obj in session.deleted:
        if isinstance(obj, Ticket):
            state = inspect(obj)
            old = _old_key(session, state)
            deltas[old] -= 1
            snoozes[_snooze_key(old[0], _old_value(session, state, "snoozed_until"), old[1], old[2])] -= 1
    for (status, assignee_key, inbox_id), n in deltas.items():
        if n:
            session.execute(_upsert(session, TicketCounter, n, status=status, assignee_key=assignee_key,
                                    inbox_id=inbox_id))
    snoozes.pop(None, None)
    for (ends_at, assignee_key, inbox_id), n in snoozes.items():
        if n:
            session.execute(_upsert(session, SnoozeCounter, n, ends_at=ends_at, assignee_key=assignee_key,
                                    inbox_id=inbox_id))
        if n < 0:  # a row at 0 goes, so the ended rows the sidebar sums stay few
            session.execute(delete(SnoozeCounter).where(
                SnoozeCounter.ends_at == ends_at, SnoozeCounter.assignee_key == assignee_key,
                SnoozeCounter.inbox_id == inbox_id, SnoozeCounter.n <= 0))


def _upsert(session, model, n, **key):
    """Add n to model's row at key (its primary key), making the row if there is none."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(model).values(**key, n=n)
    return stmt.on_conflict_do_update(index_elements=list(key), set_={"n": model.n + stmt.excluded.n})


def rebuild_counters() -> None:
    """Recount from the ticket table (after bulk loads, or to repair drift), and the tickets
    with unread mentions from the mention table; the change stamps move on too, as bulk
    loads bypass their hook as well."""
    from halo.services.inbox import (  # mention_counts imports this module
        mention_counts,
        mention_order,
    )
    rows = db.session.execute(
        select(Ticket.status, func.coalesce(Ticket.assignee_id, 0), func.coalesce(Ticket.inbox_id, 0), func.count())
        .group_by(Ticket.status, Ticket.assignee_id, Ticket.inbox_id)
        .execution_options(halo_unscoped=True)).all()
    db.session.execute(delete(TicketCounter))
    for status, assignee_key, inbox_id, n in rows:
        db.session.add(TicketCounter(status=status, assignee_key=assignee_key, inbox_id=inbox_id, n=n))
    snoozed = db.session.execute(
        select(Ticket.snoozed_until, func.coalesce(Ticket.assignee_id, 0), func.coalesce(Ticket.inbox_id, 0),
               func.count())
        .where(Ticket.status == "snoozed", Ticket.snoozed_until.is_not(None))
        .group_by(Ticket.snoozed_until, Ticket.assignee_id, Ticket.inbox_id)
        .execution_options(halo_unscoped=True)).all()
    db.session.execute(delete(SnoozeCounter))
    db.session.add_all(SnoozeCounter(ends_at=ends_at, assignee_key=assignee_key, inbox_id=inbox_id, n=n)
                       for ends_at, assignee_key, inbox_id, n in snoozed)
    mention_counts.rebuild()
    mention_order.rebuild()
    stamps.bump(db.session, *stamps.SCOPES)
    db.session.commit()


def counter_rows() -> list[tuple[str, int, int]]:
    """(status, assignee_key, n) summed over inboxes: a few dozen rows at most."""
    return db.session.execute(
        select(TicketCounter.status, TicketCounter.assignee_key, func.sum(TicketCounter.n))
        .group_by(TicketCounter.status, TicketCounter.assignee_key)
        .having(func.sum(TicketCounter.n) != 0)).all()


# Installed by create_app (services/transactions/hooks.py).
HOOKS = (("before_flush", _track_ticket_counts),)
