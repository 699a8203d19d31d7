"""Tickets with an unread mention, per teammate and inbox (MentionCounter), kept in step with
every flush.

The sidebar's Mentions badge counts the tickets holding an unread mention of the teammate,
among the inboxes they see. Counting their mention rows grew with everything they had been
mentioned in and, for a teammate of some inboxes, looked each ticket up (bench/README.md,
"Mentions at 1,000,000 tickets"); the counter is one row per teammate and inbox.

A flush that adds, moves, reads or deletes a mention, or moves a ticket to another inbox or
deletes it, notes the (teammate, ticket) pairs it touches and which of them held an unread
mention, and in which inbox, before it (before_flush) and after it (after_flush); the
difference goes to the counter rows. A Core UPDATE of mentions skips the hooks: its caller
calls read_all() (tickets/mentions.py). Bulk loaders call rebuild() (with rebuild_counters).
"""
from collections import Counter

from sqlalchemy import delete, func, inspect, literal_column, select, tuple_

from halo.extensions import db
from halo.models import Mention, MentionCounter, Ticket
from halo.services.inbox.counters import _upsert

_PENDING = "halo_mention_pairs"
_INBOX = func.coalesce(Ticket.inbox_id, literal_column("0"))  # 0: a ticket in no inbox


def _unread(connection, pairs) -> dict[tuple[int, int], int]:
    """Of the (user_id, ticket_id) pairs, those with an unread mention: pair -> inbox key."""
    pairs = [pair for pair in pairs if None not in pair]
    if not pairs:
        return {}
    rows = connection.execute(
        select(Mention.user_id, Mention.ticket_id, _INBOX)
        .join(Ticket, Ticket.id == Mention.ticket_id)
        .where(Mention.read_at.is_(None), tuple_(Mention.user_id, Mention.ticket_id).in_(pairs))
        .distinct())
    return {(user_id, ticket_id): inbox for user_id, ticket_id, inbox in rows}


def _old(state, attr):
    hist = state.attrs[attr].history
    return hist.deleted[0] if hist.deleted else getattr(state.object, attr)


def _before_flush(session, _ctx, _instances):
    session.info.pop(_PENDING, None)  # a flush that failed left its pairs behind
    pairs, mentions, tickets = set(), [], set()
    for obj in session.new:
        if isinstance(obj, Mention):
            mentions.append(obj)
    for obj in session.dirty:
        if isinstance(obj, Mention):
            state = inspect(obj)
            if any(state.attrs[a].history.has_changes() for a in ("user_id", "ticket_id", "read_at")):
                pairs.add((_old(state, "user_id"), _old(state, "ticket_id")))
                mentions.append(obj)
        elif isinstance(obj, Ticket) and inspect(obj).attrs.inbox_id.history.has_changes():
            tickets.add(obj.id)
    for obj in session.deleted:
        if isinstance(obj, Mention):
            state = inspect(obj)
            pairs.add((_old(state, "user_id"), _old(state, "ticket_id")))
        elif isinstance(obj, Ticket):
            tickets.add(obj.id)
    if not (pairs or mentions or tickets):
        return
    connection = session.connection()
    tickets.discard(None)
    if tickets:
        pairs.update(connection.execute(
            select(Mention.user_id, Mention.ticket_id)
            .where(Mention.ticket_id.in_(tickets), Mention.read_at.is_(None))).all())
    pairs.update((m.user_id, m.ticket_id) for m in mentions if m.ticket_id is not None)
    session.info[_PENDING] = (pairs, mentions, _unread(connection, pairs))


def _after_flush(session, _ctx):
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    pairs, mentions, before = pending
    pairs = set(pairs) | {(m.user_id, m.ticket_id) for m in mentions}  # ids the flush assigned
    deltas = Counter()
    for (user_id, _), inbox in before.items():
        deltas[user_id, inbox] -= 1
    for (user_id, _), inbox in _unread(session.connection(), pairs).items():
        deltas[user_id, inbox] += 1
    _apply(session, deltas)


def _apply(session, deltas) -> None:
    connection = session.connection()
    for (user_id, inbox_id), n in sorted(deltas.items()):
        if n:
            connection.execute(_upsert(session, MentionCounter, n, user_id=user_id, inbox_id=inbox_id))


def read_all(session, user_id: int, ticket_id: int) -> None:
    """The user's unread mentions on the ticket were all just marked read by a Core UPDATE
    (there was at least one): the ticket leaves their count."""
    inbox = session.connection().scalar(select(_INBOX).where(Ticket.id == ticket_id))
    _apply(session, {(user_id, inbox or 0): -1})


def rebuild() -> None:
    """Recount from the mention rows (no commit): after bulk loads, or to repair drift."""
    db.session.execute(delete(MentionCounter))
    db.session.execute(MentionCounter.__table__.insert().from_select(
        ["user_id", "inbox_id", "n"],
        select(Mention.user_id, _INBOX, func.count(func.distinct(Mention.ticket_id)))
        .join(Ticket, Ticket.id == Mention.ticket_id).where(Mention.read_at.is_(None))
        .group_by(Mention.user_id, _INBOX))
        .execution_options(halo_unscoped=True))


# Installed by create_app (services/transactions/hooks.py).
HOOKS = (("before_flush", _before_flush), ("after_flush", _after_flush))
