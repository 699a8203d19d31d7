"""Live chat: widget visitors, their messages, and what the widget may see.

A visitor is known only by a signed token holding a random key, and every query here
starts from the visitor row, so a widget can only ever read or write its own
conversation. Messages are committed before anything is pushed.
"""
import hashlib
import hmac
import secrets
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from halo import clock
from halo.extensions import db
from halo.models import Customer, Message, Ticket, Visitor
from halo.services import events
from halo.services.ai import chat as ai_chat
from halo.services.errors import Forbidden, ValidationError
from halo.services.settings import get_setting
from halo.services.tickets.replies import DELIVERY_HANDLERS, touch
from halo.services.tickets.status import on_customer_activity
from halo.services.translate import tickets as translate_tickets

MAX_CHAT_BODY = 4000
MAX_CLIENT_ID = 64
# What a widget may ever receive: the conversation itself, never notes or events.
WIDGET_KINDS = ("customer", "agent", "ai")


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="halo-visitor")


def visitor_token(visitor: Visitor) -> str:
    """The token the widget keeps in localStorage."""
    return _signer().dumps({"v": visitor.key})


def open_visitor(token: str | None, now: datetime | None = None) -> tuple[Visitor, str]:
    """The token's visitor, or a new anonymous one when the token is missing or forged."""
    now = now or clock.now()
    visitor = None
    if token:
        try:
            key = _signer().loads(token).get("v")
            visitor = db.session.scalar(select(Visitor).where(Visitor.key == key))
        except (BadSignature, AttributeError):
            visitor = None
    if visitor is None:
        customer = Customer(name="", traits={}, created_at=now)
        visitor = Visitor(key=secrets.token_urlsafe(32), customer=customer, created_at=now,
                          last_seen_at=now)
        db.session.add(visitor)
        db.session.commit()
    return visitor, visitor_token(visitor)


def get_visitor(visitor_id: int) -> Visitor:
    """The visitor (it exists: the socket opened it)."""
    return db.session.get(Visitor, visitor_id)


def valid_user_hash(email: str, user_hash: str | None) -> bool:
    """HMAC-SHA256(email, identity secret), compared in constant time."""
    secret = get_setting("widget_identity_secret")
    if not secret or not user_hash:
        return False
    expected = hmac.new(secret.encode(), email.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, str(user_hash).lower())


def identify_visitor(visitor_id: int, email: str, name: str = "", traits: dict | None = None,
                     user_hash: str | None = None) -> Visitor:
    """Attach what the site knows about its logged-in user; enforce mode demands the hash."""
    email = (email or "").strip().lower()
    if not email or "@" not in email or len(email) > 254:
        raise ValidationError("identify needs a valid email.")
    traits = {str(k)[:60]: v for k, v in (traits or {}).items()
              if isinstance(v, (str, int, float, bool))} if isinstance(traits, dict) else {}
    verified = valid_user_hash(email, user_hash)
    if not verified and (get_setting("widget_identity_enforce") or user_hash):
        raise Forbidden("identify refused: user_hash does not match.")
    visitor = get_visitor(visitor_id)
    owner = db.session.scalar(select(Customer).where(Customer.email == email))
    if owner is None:
        owner = visitor.customer
        owner.email = email
    elif owner.id != visitor.customer_id and not verified:
        # Someone may claim any email without a hash; they keep their own profile.
        owner = visitor.customer
        traits["claimed_email"] = email
    _merge_profile(owner, str(name or "")[:200], traits)
    _move_visitor(visitor, owner)
    visitor.identified = verified
    db.session.commit()
    if visitor.ticket_id:
        events.ticket_changed(visitor.ticket_id, "customer", chat=True)
    return visitor


def _merge_profile(customer: Customer, name: str, traits: dict) -> None:
    if name:
        customer.name = name
    if traits:
        language = traits.pop("language", None)
        if isinstance(language, str) and language.strip():
            customer.language = language.strip()[:16]
        customer.traits = {**(customer.traits or {}), **traits}


def _move_visitor(visitor: Visitor, owner: Customer) -> None:
    """Re-point the visitor (and its open conversation) at the identified customer."""
    if visitor.customer_id == owner.id:
        return
    visitor.customer = owner
    if visitor.ticket is not None:
        visitor.ticket.customer_id = owner.id



def receive_visitor_message(visitor_id: int, client_id: str, body: str,
                            now: datetime | None = None) -> tuple[Message, bool]:
    """Store a visitor's message once per client id; returns (message, created)."""
    now = now or clock.now()
    body, client_id = (body or "").strip(), str(client_id or "")
    if not client_id or len(client_id) > MAX_CLIENT_ID:
        raise ValidationError("Each message needs a client id of at most 64 characters.")
    if not body:
        raise ValidationError("Write something before sending.")
    if len(body) > MAX_CHAT_BODY:
        raise ValidationError("That message is too long.")
    visitor = get_visitor(visitor_id)
    if visitor.ticket_id:
        existing = _by_client_id(visitor.ticket_id, client_id)
        if existing is not None:
            return existing, False
    language = translate_tickets.message_language(body)  # before any write: no lock held
    ticket = visitor.ticket or _start_conversation(visitor, body, now)
    message = Message(ticket_id=ticket.id, kind="customer", channel="chat", body_text=body,
                      client_id=client_id, created_at=now, language=language)
    db.session.add(message)
    on_customer_activity(ticket, now)
    touch(ticket, body, now)
    visitor.last_seen_at = now
    try:
        db.session.commit()
    except IntegrityError:
        # The same client id raced in on another socket: that copy won.
        db.session.rollback()
        return _by_client_id(get_visitor(visitor_id).ticket_id, client_id), False
    events.published_message(message)
    ai_chat.offer_message(message.id)  # the AI answers while it handles the chat
    return message, True


def _by_client_id(ticket_id: int, client_id: str) -> Message | None:
    return db.session.scalar(select(Message).where(
        Message.ticket_id == ticket_id, Message.client_id == client_id))


def _start_conversation(visitor: Visitor, body: str, now: datetime) -> Ticket:
    subject = " ".join(body.split())[:80]
    ticket = Ticket(customer_id=visitor.customer_id, channel="chat", status="open",
                    subject=subject, created_at=now, last_activity_at=now)
    db.session.add(ticket)
    db.session.flush()
    visitor.ticket_id = ticket.id
    return ticket


def messages_after(visitor_id: int, after_id: int = 0, limit: int = 200) -> list[Message]:
    """The visitor's own conversation after after_id, oldest first (never notes or events)."""
    visitor = get_visitor(visitor_id)
    if visitor is None or visitor.ticket_id is None:
        return []
    return list(db.session.scalars(
        select(Message).where(Message.ticket_id == visitor.ticket_id, Message.id > after_id,
                              Message.kind.in_(WIDGET_KINDS),
                              (Message.kind == "customer") | (Message.channel == "chat"))
        .order_by(Message.id).limit(limit)).unique())


def widget_json(message: Message, avatar_url=None) -> dict:
    """What the widget is told about one message: never the agent's real identity under an alias."""
    out = {"type": "message", "id": message.id, "client_id": message.client_id,
           "body": message.body_text, "at": message.created_at.isoformat() + "Z",
           "from": "visitor" if message.kind == "customer" else "team"}
    if message.kind == "ai":
        out["author"] = {"name": "Halo AI", "avatar": None}
    elif message.kind == "agent":
        alias = message.alias
        name = alias.name if alias else (message.author.name.split()[0] if message.author else "Team")
        avatar = avatar_url(alias) if alias and alias.avatar_file and avatar_url else None
        out["author"] = {"name": name, "avatar": avatar}
    return out


def deliver_chat(message_id: int) -> None:
    """DELIVERY_HANDLERS['chat']: the reply is stored; it is sent once a widget can fetch it."""
    message = db.session.get(Message, message_id)
    if message is None or message.delivery != "queued":
        return
    has_visitor = db.session.scalar(select(Visitor.id).where(
        Visitor.ticket_id == message.ticket_id).limit(1))
    if has_visitor:
        message.delivery = "sent"
    else:
        message.delivery, message.delivery_error = "failed", "No chat widget is attached to this ticket."
    db.session.commit()
    events.ticket_changed(message.ticket_id, "delivery", message.id, chat=True)


DELIVERY_HANDLERS["chat"] = deliver_chat


def mark_delivered(visitor_id: int, upto_id: int) -> None:
    """The widget confirmed it holds every message up to upto_id."""
    visitor = get_visitor(visitor_id)
    if visitor.ticket_id is None:
        return
    rows = db.session.scalars(select(Message).where(
        Message.ticket_id == visitor.ticket_id, Message.id <= upto_id,
        Message.channel == "chat", Message.delivery == "sent")).all()
    for message in rows:
        message.delivery = "delivered"
    db.session.commit()
    for message in rows:
        events.ticket_changed(visitor.ticket_id, "delivery", message.id, chat=True)


def visitor_connected(visitor_id: int, delta: int, now: datetime | None = None) -> None:
    """Count a socket opening (+1) or closing (-1): online is 'at least one open socket'."""
    visitor = get_visitor(visitor_id)
    visitor.connections = max(0, visitor.connections + delta)
    visitor.last_seen_at = now or clock.now()
    db.session.commit()
    if visitor.ticket_id:
        events.ticket_changed(visitor.ticket_id, "presence", chat=True)
