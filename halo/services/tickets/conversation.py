"""The one way a message enters a thread, for every channel.

Customers' messages come in through `add_customer_message`, the team's (an agent's
reply, the AI's answer) through `add_agent_message`. Both apply the same rules whatever
the channel: the channel's own key makes a message count once (a chat client id, a
composer form's send key), new customer activity reopens or unsnoozes the ticket, the
inbox orders by the latest activity and shows its preview, and the message is announced
when the transaction commits (services/events.py reads it off the unit of work).
Neither commits: the caller's transaction holds the message with whatever it stores
beside it (an inbound email row, a visitor's conversation).

`start_ticket` opens a conversation; a channel whose conversations have an owner (a chat
visitor has one open conversation) claims the new ticket for it in the same transaction,
with a conditional UPDATE that only the first of two racing writers wins, on SQLite and
PostgreSQL alike (see services/chat/visitors.py).

Channels are adapters registered in create_app: each names how an outbound message of
its channel is delivered (`register_channel`). `deliver` runs that after the commit; a
channel with a `prepare` step (email: the send record) stores what delivery needs in the
writer's own transaction instead, through `prepare`, and only queues the send after it.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select

from halo.extensions import db
from halo.models import Customer, Inbox, Message, Ticket
from halo.services.access import scope as access_scope
from halo.services.errors import NotFound
from halo.services.settings import get_setting
from halo.services.tickets.assignment import apply_assignee
from halo.services.tickets.status import on_customer_activity

SUBJECT_CHARS = 80
PREVIEW_CHARS = 200


@dataclass(frozen=True)
class Channel:
    """A way customers reach the team: its name and how its replies are delivered.

    prepare, when a channel has one, does in the writer's own transaction what delivery
    needs stored (the email's send record) and returns what to run once that commits (queue
    the send), or None when there is nothing to run; deliver does it all after a commit."""
    name: str
    deliver: Callable[[int], None]  # schedules delivery of one outbound message, by id
    prepare: Callable[[Message, Ticket], Callable[[], None] | None] | None = None


CHANNELS: dict[str, Channel] = {}


def register_channel(channel: Channel) -> None:
    """Make a channel's delivery known (create_app registers email and chat)."""
    CHANNELS[channel.name] = channel


def deliver(message: Message) -> None:
    """After the commit: hand an outbound message to its channel (or leave it Queued)."""
    channel = CHANNELS.get(message.channel) if message.delivery == "queued" else None
    if channel is not None:
        channel.deliver(message.id)


def prepare(message: Message, ticket: Ticket) -> Callable[[], None]:
    """Before the commit (the message Queued and complete): store what its channel's delivery
    needs in the same transaction. Returns what to run after the commit instead of deliver()."""
    channel = CHANNELS.get(message.channel)
    if channel is None or channel.prepare is None:
        return lambda: deliver(message)
    return channel.prepare(message, ticket) or (lambda: None)


def start_ticket(customer: Customer, channel: str, text: str, now: datetime,
                 subject: str | None = None, inbox_id: int | None = None) -> Ticket:
    """Open a new conversation in an inbox (the channel's, services/access/inboxes.py; None:
    the default), flushed with a new customer, so both have ids; no commit."""
    subject = subject if subject is not None else " ".join(text.split())[:SUBJECT_CHARS]
    ticket = Ticket(customer=customer, channel=channel, status="open", subject=subject[:300],
                    created_at=now, last_activity_at=now, inbox_id=inbox_id)
    db.session.add(ticket)
    db.session.flush()
    return ticket


def get_message(message_id: int) -> Message:
    """One thread message, or NotFound."""
    message = db.session.get(Message, message_id)
    if message is None:
        raise NotFound(gettext("That message does not exist."))
    access_scope.require_message(message)  # a message of a ticket out of sight is as absent
    return message


def lines_after(ticket_id: int, after_id: int, also: int | None = None) -> list[Message]:
    """A thread's lines (messages, notes, events) after after_id, plus line also (one that
    changed), oldest first: what an open ticket page has not shown yet."""
    cond = Message.id > after_id
    if also:
        cond = cond | (Message.id == also)
    return list(db.session.scalars(select(Message).where(Message.ticket_id == ticket_id, cond)
                                   .order_by(Message.id)).unique())


def by_key(ticket_id: int, key: str) -> Message | None:
    """The message of ticket stored under a channel's key, if any."""
    return db.session.scalar(select(Message).where(Message.ticket_id == ticket_id,
                                                   Message.client_id == key))


def add_customer_message(ticket: Ticket, channel: str, text: str, now: datetime, *,
                         key: str | None = None, new_ticket: bool = False, **columns) -> Message:
    """Store a customer's message on ticket (no commit): reopen, unsnooze, touch, announce.

    key is the channel's own identity of the message (unique per ticket in the database,
    so a copy racing in on another connection fails the commit instead of doubling)."""
    message = Message(ticket_id=ticket.id, kind="customer", channel=channel, body_text=text,
                      client_id=key, created_at=now, **columns)
    db.session.add(message)
    if not new_ticket:
        on_customer_activity(ticket, now)
    touch(ticket, text, now)
    return message


def add_agent_message(ticket: Ticket, channel: str, text: str, now: datetime, *,
                      author_id: int | None = None, key: str | None = None,
                      **columns) -> Message:
    """Store the team's outbound message, Queued for its channel (no commit).

    author_id None is the AI. A teammate's first reply assigns them when the ticket's inbox
    (else the workspace) auto-assigns on reply. Call deliver(message) after the commit."""
    if author_id is not None and ticket.assignee_id is None and _auto_assigns(ticket):
        apply_assignee(ticket, author_id, author_id, now)
    message = Message(ticket_id=ticket.id, kind="agent" if author_id else "ai", channel=channel,
                      author_id=author_id, body_text=text, delivery="queued", client_id=key,
                      created_at=now, **columns)
    db.session.add(message)
    touch(ticket, text, now)
    return message


def _auto_assigns(ticket: Ticket) -> bool:
    """The inbox's own auto-assign rule when it has one, else the workspace's."""
    rule = db.session.scalar(select(Inbox.auto_assign).where(Inbox.id == ticket.inbox_id)) \
        if ticket.inbox_id else None
    return get_setting("auto_assign_on_reply") if rule is None else rule


def touch(ticket: Ticket, text: str, now: datetime) -> None:
    """Record activity: the inbox orders by it and shows the preview."""
    ticket.last_activity_at = now
    ticket.preview = " ".join(text.split())[:PREVIEW_CHARS]
