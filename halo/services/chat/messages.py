"""A widget visitor's messages: stored once through the conversation service, read back
only by their own visitor, and delivered honestly.

A visitor has at most one open conversation (Visitor.ticket_id). Two sockets of one
visitor may send at once, on one process or several: the first message starts the
ticket and claims it for the visitor with a conditional UPDATE (`... WHERE ticket_id IS
NULL`), which only one writer can win on SQLite and PostgreSQL alike; the loser rolls
back and adds its message to the winner's ticket. A visitor's client ids are unique per
ticket, so a resend after a lost ack is the same message; they are made of URL-safe
characters only, so they never meet the team's own keys, which all hold a colon
("composer:…", services/tickets/replies.py).

A reply to a chat is "Waiting for the visitor" until a widget confirms it received it
("received" or "seen" frames), then Delivered.
"""
import re
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from halo import clock
from halo.extensions import db
from halo.models import Message, Visitor
from halo.services.access import inboxes
from halo.services.ai import chat as ai_chat
from halo.services.chat.visitors import Blocked, get_visitor
from halo.services.errors import ValidationError
from halo.services.notifications import alerts
from halo.services.tickets import conversation, handoff
from halo.services.translate import tickets as translate_tickets

MAX_CHAT_BODY = 4000
CLIENT_ID = re.compile(r"[A-Za-z0-9._~-]{1,64}")
PAGE = 200  # catch-up pages
# What a widget may ever receive: the conversation itself, never notes or events.
WIDGET_KINDS = ("customer", "agent", "ai")
WAITING = "waiting"  # stored for a chat reply no widget has confirmed yet
CLAIM_ATTEMPTS = 3


def receive_visitor_message(visitor_id: int, client_id: str, body: str,
                            now: datetime | None = None, browser_language: str | None = None) -> tuple[Message, bool]:
    """Store a visitor's message once per client id; returns (message, created).
    browser_language (the widget's navigator.language) is put on file for a customer whose
    language is not yet known: what they chose to read beats guessing from "Hi"."""
    now = now or clock.now()
    client_id, body = check_visitor_message(client_id, body)
    visitor = get_visitor(visitor_id)
    if visitor.blocked_at is not None:
        raise Blocked("This chat is closed.")
    # Before any write, so no lock is held while a first message's language is detected.
    customer = (visitor.ticket or visitor).customer
    if browser_language and customer is not None and not translate_tickets.stated_language(customer):
        customer.language = browser_language
    language = translate_tickets.message_language(body, customer)
    for _ in range(CLAIM_ATTEMPTS):
        visitor = get_visitor(visitor_id)
        if visitor.ticket_id and (existing := conversation.by_key(visitor.ticket_id, client_id)):
            return existing, False
        ticket = visitor.ticket or _start_conversation(visitor, body, now)
        if ticket is None:  # another socket of this visitor started it first: join it
            db.session.rollback()
            continue
        message = conversation.add_customer_message(
            ticket, "chat", body, now, key=client_id, new_ticket=visitor.ticket_id is None,
            language=language)
        if visitor.ticket_id is None and not handoff.ai_answers_chats():
            alerts.chat_waiting(ticket, now)  # nobody but a teammate will answer it
        visitor.ticket_id, visitor.last_seen_at = ticket.id, now
        try:
            db.session.commit()
        except IntegrityError:  # the same client id raced in on another socket: that copy won
            db.session.rollback()
            continue
        ai_chat.offer_message(message.id)  # the AI answers while it handles the chat
        return message, True
    raise ValidationError(gettext("This conversation is busy: send the message again."))


def check_visitor_message(client_id, body) -> tuple[str, str]:
    """The client id and the trimmed body of a message a widget sent, or ValidationError."""
    body = body.strip() if isinstance(body, str) else ""
    client_id = client_id if isinstance(client_id, str) else ""
    if not CLIENT_ID.fullmatch(client_id):
        raise ValidationError(gettext("Each message needs a client id of 1 to 64 letters, digits, '-', '_', '.' or '~'."))
    if not body:
        raise ValidationError(gettext("Write something before sending."))
    if len(body) > MAX_CHAT_BODY:
        raise ValidationError(gettext("That message is too long."))
    return client_id, body


def _start_conversation(visitor: Visitor, body: str, now: datetime):
    """A new ticket claimed for the visitor, or None when another writer claimed one first."""
    ticket = conversation.start_ticket(visitor.customer, "chat", body, now,
                                       inbox_id=inboxes.inbox_for_chat())
    claimed = db.session.execute(
        update(Visitor).where(Visitor.id == visitor.id, Visitor.ticket_id.is_(None))
        .values(ticket_id=ticket.id).execution_options(synchronize_session=False)).rowcount
    return ticket if claimed == 1 else None


def messages_after(visitor_id: int, after_id: int = 0, limit: int = PAGE) -> list[Message]:
    """One page of the visitor's own conversation after after_id, oldest first (never notes
    or events); call again with the last id until a page comes back short."""
    visitor = get_visitor(visitor_id) if visitor_id else None
    if visitor is None or visitor.ticket_id is None:
        return []
    return list(db.session.scalars(
        select(Message).where(Message.ticket_id == visitor.ticket_id, Message.id > after_id,
                              Message.kind.in_(WIDGET_KINDS),
                              (Message.kind == "customer") | (Message.channel == "chat"))
        .options(selectinload(Message.attachments))
        .order_by(Message.id).limit(limit)).unique())


def widget_json(message: Message, avatar_url=None, file_url=None) -> dict:
    """What the widget is told about one message: never the agent's real identity under an
    alias, nor anything internal (the team's own keys stay on the server). The team's files
    come with a signed link each (file_url(row, ticket_id))."""
    out = {"type": "message", "id": message.id,
           "client_id": message.client_id if message.kind == "customer" else None,
           "body": message.body_text, "at": message.created_at.isoformat() + "Z",
           "from": "visitor" if message.kind == "customer" else "team"}
    if file_url and message.kind != "customer":
        out["files"] = [{"name": row.filename, "size": row.size, "image": row.previewable,
                         "url": file_url(row, message.ticket_id)}
                        for row in message.attachments if row.storage_name]
    if message.kind == "ai":
        out["author"] = {"name": "Halo AI", "avatar": None}
    elif message.kind == "agent":
        alias = message.alias
        name = alias.name if alias else (message.author.name.split()[0] if message.author else "Team")
        avatar = avatar_url(alias) if alias and alias.avatar_file and avatar_url else None
        out["author"] = {"name": name, "avatar": avatar}
    return out


def deliver_chat(message_id: int) -> None:
    """The chat channel's delivery: a stored reply waits for a widget to confirm it."""
    message = db.session.get(Message, message_id)
    if message is None or message.delivery != "queued":
        return
    has_visitor = db.session.scalar(select(Visitor.id).where(
        Visitor.ticket_id == message.ticket_id).limit(1))
    if has_visitor:
        message.delivery, message.delivery_error = WAITING, None
    else:
        message.delivery, message.delivery_error = "failed", "No chat widget is attached to this ticket."
    db.session.commit()


CHANNEL = conversation.Channel("chat", deliver=deliver_chat)


def mark_delivered(visitor_id: int, upto_id: int) -> None:
    """The widget confirmed it holds every message up to upto_id."""
    visitor = get_visitor(visitor_id)
    if visitor.ticket_id is None:
        return
    rows = db.session.scalars(select(Message).where(
        Message.ticket_id == visitor.ticket_id, Message.id <= upto_id,
        Message.channel == "chat", Message.delivery.in_((WAITING, "queued", "sent")))).all()
    for message in rows:
        message.delivery, message.delivery_error = "delivered", None
    db.session.commit()
