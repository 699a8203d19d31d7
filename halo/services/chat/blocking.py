"""Blocking a chat visitor: a teammate who may work the conversation (its inbox is one of
their teams', their role not read-only) turns its visitor away.

A blocked visitor's token opens nothing (hellos are refused), its open sockets close at
once (an event on its own bus topic, published on commit), and its messages are refused.
The conversation stays for the team. Unblocking lets the same token in again.
"""
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select

from halo import clock
from halo.extensions import db
from halo.models import Message, Ticket, Visitor
from halo.services import events
from halo.services.access import roles
from halo.services.access import scope as access_scope
from halo.services.chat import tokens
from halo.services.errors import NotFound, ValidationError
from halo.services.tickets.status import get_ticket


def ticket_visitors(ticket_id: int) -> list[Visitor]:
    """The widget visitors whose conversation this ticket is (usually one)."""
    return list(db.session.scalars(
        select(Visitor).where(Visitor.ticket_id == ticket_id).order_by(Visitor.id)))


def block_visitor(ticket_id: int, actor_id: int, now: datetime | None = None) -> list[Visitor]:
    """Block the ticket's visitors; returns them."""
    return _set_blocked(ticket_id, actor_id, True, now or clock.now())


def unblock_visitor(ticket_id: int, actor_id: int, now: datetime | None = None) -> list[Visitor]:
    """Let the ticket's visitors in again; returns them."""
    return _set_blocked(ticket_id, actor_id, False, now or clock.now())


def _set_blocked(ticket_id, actor_id, blocked, now) -> list[Visitor]:
    ticket = _visible_ticket(ticket_id, actor_id)
    attached = ticket_visitors(ticket.id)
    if not attached:
        raise ValidationError(gettext("This ticket has no chat visitor."))
    visitors = [v for v in attached if (v.blocked_at is not None) != blocked]
    if not visitors:
        return []
    for visitor in visitors:
        visitor.blocked_at, visitor.blocked_by_id = (now, actor_id) if blocked else (None, None)
        if blocked:
            events.visitor_closed(tokens.key_digest(visitor.key))
    db.session.add(Message(ticket_id=ticket.id, kind="event", event_type="visitor",
                           event_data={"blocked": blocked,
                                       "text": "blocked the chat visitor" if blocked
                                       else "unblocked the chat visitor"},
                           author_id=actor_id, created_at=now))
    events.ticket_changed(ticket.id, "visitor", chat=True)
    db.session.commit()
    return visitors


def _visible_ticket(ticket_id: int, actor_id: int) -> Ticket:
    """The ticket, if the actor may work tickets (not the read-only role) and sees this one
    (its inbox is one of their teams'): NotFound for a ticket out of sight."""
    roles.require(actor_id, "work")
    if not access_scope.can_see_ticket(actor_id, ticket_id):
        raise NotFound(gettext("Ticket #%(ticket_id)s does not exist.", ticket_id=ticket_id))
    return get_ticket(ticket_id)
