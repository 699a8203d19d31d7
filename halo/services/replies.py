"""The one place a reply, note or inbox-training directive is written on a ticket."""
from collections.abc import Callable
from datetime import datetime

from .. import clock
from ..extensions import db
from ..models import Message, Ticket
from . import directives, events
from .assignment import _assign
from .errors import ValidationError
from .mentions import record_mentions
from .settings import get_setting
from .status import get_ticket

MODES = ("chat", "email", "note", "training")
MAX_BODY = 100_000

# channel -> function(message_id) that schedules real delivery; the email and chat
# channels register theirs. Without one, a reply stays visibly "queued".
DELIVERY_HANDLERS: dict[str, Callable[[int], None]] = {}


def post_reply(ticket_id: int, author_id: int, body: str, mode: str,
               now: datetime | None = None, alias_id: int | None = None,
               translation: tuple[str, str] | None = None) -> Message:
    """Write what an agent composed: an outbound reply, an internal note or a directive."""
    now = now or clock.now()
    body = (body or "").strip()
    if mode not in MODES:
        raise ValidationError(f"Unknown composer mode {mode!r}.")
    if not body:
        raise ValidationError("Write something before sending.")
    if len(body) > MAX_BODY:
        raise ValidationError("That message is too long.")
    ticket = get_ticket(ticket_id)
    if mode == "note":
        message = _note(ticket, author_id, body, now)
    elif mode == "training":
        message = _training(ticket, author_id, body, now)
    else:
        message = _outbound(ticket, author_id, body, mode, now)
        if translation:  # (text, language): the customer receives text; body stays beside it
            message.original_text, message.language = body, translation[1]
            message.body_text = translation[0].strip() or body
        message.alias_id = alias_id if mode == "chat" else None
    db.session.commit()
    events.published_message(message)
    handler = DELIVERY_HANDLERS.get(message.channel) if message.delivery else None
    if handler:
        handler(message.id)
    return message


def _note(ticket: Ticket, author_id: int, body: str, now: datetime) -> Message:
    note = Message(ticket_id=ticket.id, kind="note", author_id=author_id,
                   body_text=body, created_at=now)
    db.session.add(note)
    record_mentions(note, author_id)
    return note


def _training(ticket: Ticket, author_id: int, body: str, now: datetime) -> Message:
    directive = directives.create_directive(body, author_id, ticket, now)
    event = Message(ticket_id=ticket.id, kind="event", event_type="training",
                    event_data={"directive_id": directive.id, "scope": directive.scope},
                    author_id=author_id, created_at=now)
    db.session.add(event)
    return event


def _outbound(ticket: Ticket, author_id: int, body: str, channel: str,
              now: datetime) -> Message:
    if ticket.assignee_id is None and get_setting("auto_assign_on_reply"):
        _assign(ticket, author_id, author_id, now)
    message = Message(ticket_id=ticket.id, kind="agent", channel=channel,
                      author_id=author_id, body_text=body, delivery="queued",
                      created_at=now)
    db.session.add(message)
    touch(ticket, body, now)
    return message


def touch(ticket: Ticket, text: str, now: datetime) -> None:
    """Record activity: the inbox orders by it and shows the preview."""
    ticket.last_activity_at = now
    ticket.preview = " ".join(text.split())[:200]
