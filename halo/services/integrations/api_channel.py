"""The API channel: an inbox of kind API, one adapter on the conversation spine.

A team's bridge (WhatsApp, SMS, a game client) posts its customers' messages with its own
contact id; each contact is a customer with one open conversation, as a chat visitor is
(ApiContact.ticket_id, claimed with a conditional UPDATE so two racing first messages make
one ticket). The bridge's message id makes a message count once. The team's replies (and
the AI's) go back as signed deliveries to the channel's endpoint, in order and retried like
any webhook; the message's delivery state follows its delivery. Statuses, assignment, the
AI and the thread work as for chat: they are the spine's.
"""
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from halo import clock
from halo.extensions import db
from halo.models import ApiChannel, ApiContact, Customer, Message, Ticket
from halo.models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent
from halo.services.access import inboxes
from halo.services.ai import chat as ai_chat
from halo.services.customers import profiles
from halo.services.email import sealed
from halo.services.errors import NotFound, ValidationError
from halo.services.integrations.webhooks import capture, endpoints
from halo.services.tickets import conversation

NAME = "api"
MAX_TEXT = 20_000
KEY_PREFIX = "bridge:"  # the bridge's message ids, beside the widget's and the composer's keys
MAX_MESSAGE_ID = 64 - len(KEY_PREFIX)
CLAIM_ATTEMPTS = 3


def create_channel(actor_id: int, name: str, url: str) -> ApiChannel:
    """A new inbox of kind API and the endpoint its replies go to (admins)."""
    url = endpoints.check_url(url)
    inbox = inboxes.save_inbox(actor_id, None, name=name)
    endpoint = WebhookEndpoint(url=url, events=[], description=f"API channel: {inbox.name}",
                               secret_sealed=sealed.seal(endpoints.new_secret()), active=True,
                               created_by_id=actor_id, created_at=clock.now())
    channel = ApiChannel(inbox_id=inbox.id, endpoint=endpoint, created_at=clock.now())
    db.session.add(channel)
    db.session.commit()
    return channel


def list_channels() -> list[ApiChannel]:
    return list(db.session.scalars(select(ApiChannel).order_by(ApiChannel.id)))


def channel_of_inbox(inbox_id: int) -> ApiChannel:
    channel = db.session.scalar(select(ApiChannel).where(ApiChannel.inbox_id == inbox_id))
    if channel is None:
        raise NotFound(gettext("Inbox #%(inbox_id)s is not an API channel.", inbox_id=inbox_id))
    return channel


def _contact(channel: ApiChannel, contact_id: str, name: str, email: str | None, now) -> ApiContact:
    contact = db.session.scalar(select(ApiContact).where(ApiContact.channel_id == channel.id,
                                                         ApiContact.contact_id == contact_id))
    if contact is not None:
        return contact
    email = profiles.check_email(email) if email else None
    customer = profiles.by_address(email)
    if customer is None:
        customer = Customer(name=" ".join((name or "").split())[:200] or contact_id[:200], email=email,
                            traits={}, created_at=now)
        db.session.add(customer)
    contact = ApiContact(channel_id=channel.id, contact_id=contact_id, customer=customer, created_at=now)
    db.session.add(contact)
    db.session.flush()
    return contact


def _open_ticket(contact: ApiContact) -> Ticket | None:
    """The contact's conversation: the one it has (a merged one leads to where it went)."""
    ticket = db.session.get(Ticket, contact.ticket_id) if contact.ticket_id else None
    while ticket is not None and ticket.status == "merged" and ticket.merged_into_id:
        ticket = db.session.get(Ticket, ticket.merged_into_id)
    return ticket


def receive(inbox_id: int, contact_id: str, message_id: str, text: str, name: str = "",
            email: str | None = None, now: datetime | None = None) -> tuple[Message, bool]:
    """Store a bridge's customer message once; returns (message, created)."""
    now = now or clock.now()
    text = (text or "").strip()
    if not text:
        raise ValidationError(gettext("The message needs some text."))
    if len(text) > MAX_TEXT:
        raise ValidationError(gettext("A message is at most %(MAX_TEXT)s characters.", MAX_TEXT=MAX_TEXT))
    key = KEY_PREFIX + message_id
    channel = channel_of_inbox(inbox_id)
    for _ in range(CLAIM_ATTEMPTS):
        contact = _contact(channel, contact_id, name, email, now)
        ticket = _open_ticket(contact)
        if ticket is not None and (existing := conversation.by_key(ticket.id, key)) is not None:
            db.session.rollback()
            return existing, False
        new = ticket is None
        if new:
            ticket = conversation.start_ticket(contact.customer, NAME, text, now, inbox_id=channel.inbox_id)
            claimed = db.session.execute(
                update(ApiContact).where(ApiContact.id == contact.id, ApiContact.ticket_id.is_(None))
                .values(ticket_id=ticket.id).execution_options(synchronize_session=False)).rowcount
            if claimed != 1:  # another message of this contact started the conversation first
                db.session.rollback()
                continue
        message = conversation.add_customer_message(ticket, NAME, text, now, key=key, new_ticket=new)
        contact.ticket_id = ticket.id
        try:
            db.session.commit()
        except IntegrityError:  # the same message, or the contact's first, raced in elsewhere
            db.session.rollback()
            continue
        ai_chat.offer_message(message.id)  # the AI answers while it handles the conversation
        return message, True
    raise ValidationError(gettext("This conversation is busy: send the message again."))


def schedule_reply(message_id: int) -> None:
    """The API channel's delivery: the reply becomes a signed delivery to the bridge."""
    message = db.session.get(Message, message_id)
    ticket = db.session.get(Ticket, message.ticket_id)
    contact = db.session.scalar(select(ApiContact).where(ApiContact.customer_id == ticket.customer_id)
                                .order_by(ApiContact.id.desc()).limit(1))
    channel = db.session.get(ApiChannel, contact.channel_id) if contact else None
    if channel is None:
        message.delivery, message.delivery_error = "failed", "This customer has no API channel contact."
        db.session.commit()
        return
    now = clock.now()
    payload = {"type": "message.created", "timestamp": now.isoformat() + "Z",
               "data": {"contact_id": contact.contact_id, "ticket_id": ticket.id,
                        "message": capture.message_data(message),
                        "author_name": message.author.name if message.author else "Halo"}}
    key = f"ticket:{ticket.id}"
    event = WebhookEvent(type="message.created", order_key=key, payload=payload,
                         message_id=message.id, created_at=now)
    db.session.add(event)
    db.session.add(WebhookDelivery(endpoint_id=channel.endpoint_id, event=event, order_key=key,
                                   state="pending", next_attempt_at=now, created_at=now))
    message.delivery = "sending"
    db.session.commit()
    if capture.start_deliveries is not None:
        capture.start_deliveries(channel.endpoint_id, key)


CHANNEL = conversation.Channel(NAME, deliver=schedule_reply)


def reply_delivered(message_id: int, error: str | None, final: bool) -> None:
    """A reply's delivery answered (no commit): delivered, or failed for good, or not yet."""
    message = db.session.get(Message, message_id)
    if message is None:
        return
    if error is None:
        message.delivery, message.delivery_error = "delivered", None
    elif final:
        message.delivery, message.delivery_error = "failed", error
    else:
        message.delivery_error = f"Retrying: {error}"
