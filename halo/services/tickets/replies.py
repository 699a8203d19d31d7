"""What an agent composes: a reply (through the conversation service), a note or a directive."""
import hashlib
from datetime import datetime

from flask_babel import gettext
from sqlalchemy.exc import IntegrityError

from halo import clock
from halo.extensions import db
from halo.models import AliasUser, Message, Ticket
from halo.services.access import roles
from halo.services.errors import ValidationError
from halo.services.knowledge import directives
from halo.services.tickets import conversation, files, handoff
from halo.services.tickets.mentions import record_mentions
from halo.services.tickets.status import get_ticket
from halo.services.transactions import kept
from halo.services.transactions.writer import sqlite_writer

MODES = ("chat", "email", "note", "training")
# What each mode needs of the author's role (services/access/roles.py): a read-only
# teammate writes notes and never a word to a customer.
MODE_NEEDS = {"chat": "reply", "email": "reply", "note": "note", "training": "work"}
LIVE_CHANNELS = ("chat", "api")  # "chat" mode answers either, on the ticket's own channel
MAX_BODY = 100_000
# A composer form's send key and what it said are kept as its message's client_id, in a
# namespace of its own beside the chat widget's client ids (same column, same unique index
# per ticket): "composer:KEY:DIGEST".
KEY_PREFIX = "composer:"
DIGEST = 12
MAX_KEY = 64 - len(KEY_PREFIX) - 1 - DIGEST


def post_reply(ticket_id: int, author_id: int, body: str, mode: str,
               now: datetime | None = None, alias_id: int | None = None,
               translation: tuple[str, str] | None = None, send_key: str | None = None,
               uploads: list[files.Upload] | None = None) -> Message:
    """Write what an agent composed: an outbound reply, an internal note or a directive.

    send_key (the composer form's, new with every form) makes it happen once: the same form
    sent again with the same text (a double click without JavaScript, a page resubmitted
    after a dropped connection) returns what the first one wrote, and sends nothing twice.
    Other text from the same form (restored from history and edited) is a new reply.

    uploads are files to attach (a reply by email or chat, or a note): a message may then
    be only its files."""
    now = now or clock.now()
    body = (body or "").strip()
    if mode not in MODES:
        raise ValidationError(gettext("Unknown composer mode %(mode)s.", mode=f'{mode!r}'))
    uploads = files.check_uploads(uploads or [])
    if uploads and mode == "training":
        raise ValidationError(gettext("A directive is text only: attach files to a reply or a note."))
    if not body and not uploads:
        raise ValidationError(gettext("Write something before sending."))
    if len(body) > MAX_BODY:
        raise ValidationError(gettext("That message is too long."))
    if send_key is not None and not 0 < len(send_key) <= MAX_KEY:
        raise ValidationError(gettext("This form is out of date: reload the page and send it again."))
    key = None
    if send_key:
        said = f"{mode}\n{body}\n{translation[0] if translation else ''}"
        said += "".join(f"\n{u.filename}:{u.size}" for u in uploads)
        digest = hashlib.sha256(said.encode()).hexdigest()[:DIGEST]
        key = f"{KEY_PREFIX}{send_key}:{digest}"
    roles.require(author_id, MODE_NEEDS[mode])
    ticket = get_ticket(ticket_id)
    # The caller answers with the new lines and the composer, drawn from this ticket: its
    # columns stay loaded through the commit instead of being read again after it.
    kept.keep_through_commit(db.session, ticket)
    if key and (sent := conversation.by_key(ticket.id, key)) is not None:
        return sent
    if uploads and mode == "chat" and ticket.channel == "api":
        raise ValidationError(gettext("The API channel's bridge takes text only: send files by email, or link to them."))
    # The message is complete before anything flushes it (its send key included): the
    # commit's one flush inserts it, and the ticket's thread_rev moves on once.
    if mode == "note":
        message = _note(ticket, author_id, body, now, key)
    elif mode == "training":
        message = _training(ticket, author_id, body, now, key)
    else:
        # A chat reply on an API channel's conversation goes out through its bridge.
        channel = ticket.channel if mode == "chat" and ticket.channel in LIVE_CHANNELS else mode
        if channel == "chat":  # whoever answers a chat nobody handles now handles it
            handoff.claim_on_reply(ticket, author_id, now)
        message = conversation.add_agent_message(ticket, channel, body, now, author_id=author_id,
                                                 key=key)
        if translation:  # (text, language): the customer receives text; body stays beside it
            message.original_text, message.language = body, translation[1]
            message.body_text = translation[0].strip() or body
        message.alias_id = alias_id if mode == "chat" else None
    if files.attach(message, uploads) and not body and mode != "note":
        conversation.touch(ticket, "Sent " + ", ".join(files.clean_filename(u.filename) for u in uploads), now)
    try:
        # Everything above only read; the commit's flush writes. On SQLite, writers of this
        # process queue here and are handed the write lock at once
        # (services/transactions/writer.py).
        with sqlite_writer():
            # A reply's channel stores what its delivery needs in this same transaction (the
            # email's send record); what it returns runs once the commit succeeds (the send queued).
            send = conversation.prepare(message, ticket) if message.delivery == "queued" else None
            db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if key and (sent := conversation.by_key(ticket_id, key)) is not None:
            return sent  # the same form raced in on another request: that one wrote it
        raise
    if send is not None:  # notes, directives: nothing to deliver
        send()
    return message


def _note(ticket: Ticket, author_id: int, body: str, now: datetime, key: str | None) -> Message:
    note = Message(ticket_id=ticket.id, kind="note", author_id=author_id,
                   body_text=body, client_id=key, created_at=now)
    db.session.add(note)
    record_mentions(note, author_id, ticket)
    return note


def _training(ticket: Ticket, author_id: int, body: str, now: datetime, key: str | None) -> Message:
    directive = directives.create_directive(body, author_id, ticket, now)
    event = Message(ticket_id=ticket.id, kind="event", event_type="training",
                    event_data={"directive_id": directive.id, "scope": directive.scope},
                    author_id=author_id, client_id=key, created_at=now)
    db.session.add(event)
    return event



def last_alias(ticket_id: int, author_id: int) -> int | None:
    """The alias this agent last replied as on this ticket, if it is still active: the
    composer keeps it, so the customer keeps reading one name."""
    row = db.session.execute(
        db.select(Message.alias_id, AliasUser.active).outerjoin(AliasUser, AliasUser.id == Message.alias_id)
        .where(Message.ticket_id == ticket_id, Message.kind == "agent", Message.author_id == author_id,
               Message.channel.in_(LIVE_CHANNELS))
        .order_by(Message.created_at.desc(), Message.id.desc()).limit(1)).first()
    return row.alias_id if row is not None and row.active else None
