"""Who takes part in a ticket's email conversation besides its customer.

Mail to a ticket's reply address from anyone is threaded (the token proves which ticket),
but shown under its real sender and marked "not the customer". Only the customer and the
people an agent added here may thread by In-Reply-To/References alone, and only they are
copied (Cc) on the team's replies.
"""
from flask_babel import gettext
from sqlalchemy import func, select

from halo import clock
from halo.extensions import db
from halo.models import EmailParticipant, Message, Ticket
from halo.services.access import roles
from halo.services.access import scope as access_scope
from halo.services.errors import NotFound, ValidationError

_MAILBOX_MAX = 254


def is_participant(ticket: Ticket, sender: str) -> bool:
    """The ticket's customer, or someone an agent added to the conversation."""
    sender = (sender or "").strip().lower()
    if not sender:
        return False
    if (ticket.customer.email or "").lower() == sender:
        return True
    return db.session.scalar(select(EmailParticipant.id).where(
        EmailParticipant.ticket_id == ticket.id, EmailParticipant.address == sender).limit(1)) is not None


def participants(ticket_id: int) -> list[EmailParticipant]:
    """The people added to a ticket's conversation, in the order they were added."""
    return list(db.session.scalars(select(EmailParticipant).where(
        EmailParticipant.ticket_id == ticket_id).order_by(EmailParticipant.id)))


def add_from_message(message_id: int, agent_id: int) -> EmailParticipant:
    """An agent adds the sender of an email on a ticket to its conversation (commits)."""
    roles.require(agent_id, "work")
    message = db.session.get(Message, message_id)
    ticket = db.session.get(Ticket, message.ticket_id) if message is not None else None
    if ticket is None or message.kind != "customer" or not message.email_from:
        raise NotFound(gettext("That email does not exist."))
    access_scope.require_message(message)  # a ticket out of this agent's sight is not found
    address = message.email_from.strip().lower()
    if (ticket.customer.email or "").lower() == address:
        raise ValidationError(gettext("That is the ticket's customer."))
    existing = db.session.scalar(select(EmailParticipant).where(
        EmailParticipant.ticket_id == ticket.id, EmailParticipant.address == address))
    if existing is not None:
        return existing
    row = EmailParticipant(ticket_id=ticket.id, address=address[:_MAILBOX_MAX],
                           name=(message.email_from_name or "")[:200], added_by_id=agent_id)
    db.session.add(row)
    _event(ticket, agent_id, {"added": address})
    db.session.commit()
    return row


def remove(participant_id: int, agent_id: int) -> int:
    """Take someone out of a conversation again; returns the ticket id (commits)."""
    row = db.session.get(EmailParticipant, participant_id)
    ticket = db.session.get(Ticket, row.ticket_id) if row is not None else None
    if ticket is None:
        raise NotFound(gettext("That participant does not exist."))
    _event(ticket, agent_id, {"removed": row.address})
    db.session.delete(row)
    db.session.commit()
    return ticket.id


def _event(ticket: Ticket, agent_id: int, data: dict) -> None:
    db.session.add(Message(ticket_id=ticket.id, kind="event", event_type="participant",
                           event_data=data, author_id=agent_id, created_at=clock.now()))


def addresses_written_by(ticket_id: int) -> set[str]:
    """Lower-case senders of the ticket's inbound emails (for the thread's labels)."""
    return set(db.session.scalars(select(func.lower(Message.email_from)).where(
        Message.ticket_id == ticket_id, Message.email_from.is_not(None))))
