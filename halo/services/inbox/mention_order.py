"""The Mentions view's order: each unread mention carries its ticket's last_activity_at
(Mention.ticket_activity_at), kept equal to it by a flush hook, so a page of the teammate's
mentioned tickets, newest activity first, is read off (user_id, read_at, ticket_activity_at,
ticket_id) and stops after the page.

Listing tickets `WHERE id IN (the unread mentions)` in the ticket list's order sorted every
ticket the teammate had an unread mention on (or, for a teammate of some inboxes, read the
inbox's tickets in order until a page of them turned up): it grew with what one person had
been mentioned in (bench/README.md, "Mentions at 1,000,000 tickets"). Helpdesks that list
mentions do so from the mention's side (Chatwoot joins conversations to mentions); the copy
of the activity time is what lets the mention's index give the page's order.
"""
from datetime import datetime

from sqlalchemy import exists, inspect, select, tuple_, update
from sqlalchemy.orm import aliased

from halo.extensions import db
from halo.models import Mention, Ticket

_PENDING = "halo_mention_order"


def _before_flush(session, _ctx, _instances):
    """Note the tickets whose unread mentions need their activity time copied after the flush:
    a new or moved mention's ticket, and a ticket whose activity time changes."""
    tickets = set()
    for obj in session.new:
        if isinstance(obj, Mention):
            tickets.add(obj)
    for obj in session.dirty:
        if isinstance(obj, Mention) and inspect(obj).attrs.ticket_id.history.has_changes():
            tickets.add(obj)
        elif isinstance(obj, Ticket) and inspect(obj).attrs.last_activity_at.history.has_changes():
            tickets.add(obj.id)
    if tickets:
        session.info[_PENDING] = tickets
    else:
        session.info.pop(_PENDING, None)


def _after_flush(session, _ctx):
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    ids = {m.ticket_id if isinstance(m, Mention) else m for m in pending} - {None}
    if not ids:
        return
    # One statement for the flush: Core on the flush's connection (the hooks do not run again).
    session.connection().execute(
        update(Mention)
        .where(Mention.ticket_id.in_(sorted(ids)), Mention.read_at.is_(None))
        .values(ticket_activity_at=select(Ticket.last_activity_at)
                .where(Ticket.id == Mention.ticket_id).scalar_subquery())
        .execution_options(synchronize_session=False))


_other = aliased(Mention, name="earlier_mention")


def page_statement(columns, user_id: int, condition, after: tuple[datetime, int] | None, limit: int):
    """One keyset page of the tickets with an unread mention of the user that meet the
    condition, newest activity first: the mention index read in order, each ticket once
    (by its earliest unread mention), looked up by id. columns: the row select (views)."""
    query = columns.join(Mention, Mention.ticket_id == Ticket.id).where(
        Mention.user_id == user_id, Mention.read_at.is_(None),
        ~exists().where(_other.ticket_id == Mention.ticket_id, _other.user_id == user_id,
                        _other.read_at.is_(None), _other.id < Mention.id),
        condition)
    if after:
        query = query.where(tuple_(Mention.ticket_activity_at, Mention.ticket_id) < tuple_(*after))
    return query.order_by(Mention.ticket_activity_at.desc(), Mention.ticket_id.desc()).limit(limit)


def rebuild() -> None:
    """Copy every unread mention's ticket activity time (no commit): after bulk loads."""
    db.session.execute(
        update(Mention).where(Mention.read_at.is_(None))
        .values(ticket_activity_at=select(Ticket.last_activity_at)
                .where(Ticket.id == Mention.ticket_id).scalar_subquery())
        .execution_options(synchronize_session=False, halo_unscoped=True))


# Installed by create_app (services/transactions/hooks.py).
HOOKS = (("before_flush", _before_flush), ("after_flush", _after_flush))
