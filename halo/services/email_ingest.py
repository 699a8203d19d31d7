"""Inbound email: store the raw bytes first, then process them as a job, idempotently.

Every way in (SMTP receiver, webhook, IMAP poll) calls receive_email(); the job calls
process_inbound(). A message that cannot be processed stays stored, in state "failed"
with its error, for the admins' "could not process" list.
"""
import hashlib
import logging
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from email import policy

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..extensions import db
from ..mail.headers import first_id
from ..mail.parse import EmailParseError, parse_email
from ..models import InboundEmail, Message, OutboundEmail
from ..queue import enqueue
from .errors import NotFound, ValidationError
from .replies import touch
from .status import on_customer_activity
from .translate_tickets import message_language
from . import ai_pipeline, email_attachments, email_route

log = logging.getLogger(__name__)
JOB = "halo.jobs.email.process_inbound"


class TooLarge(ValidationError):
    """The message is over HALO_MAX_EMAIL_BYTES."""
    status_code = 413


def dedupe_key(raw: bytes) -> tuple[str, str | None]:
    """("mid:<Message-ID>", id) when the message has one, else ("sha256:<hex>", None)."""
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        mid = first_id(str(headers.get("Message-ID", "") or ""))
    except Exception:  # a header block too broken to read still gets stored, by hash
        mid = None
    if mid and len(mid) <= 250:
        return "mid:" + mid, mid
    return "sha256:" + hashlib.sha256(raw).hexdigest(), None


def receive_email(raw: bytes, source: str, envelope_from: str | None = None,
                  envelope_to=(), now: datetime | None = None) -> tuple[InboundEmail, bool]:
    """Store a raw message (once) and queue its processing; returns (row, newly stored)."""
    if not raw or not raw.strip():
        raise ValidationError("The message is empty.")
    if len(raw) > current_app.config["HALO_MAX_EMAIL_BYTES"]:
        raise TooLarge("The message is larger than this server accepts.")
    key, mid = dedupe_key(raw)
    existing = db.session.scalar(select(InboundEmail).where(InboundEmail.dedupe_key == key))
    if existing is not None:
        return existing, False
    row = InboundEmail(dedupe_key=key, rfc_message_id=mid, source=source, raw=bytes(raw),
                       size=len(raw), envelope_from=(envelope_from or None) and envelope_from[:254],
                       envelope_to=[a[:254] for a in envelope_to][:50], received_at=now or clock.now())
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:  # the same message arrived by another path a moment ago
        db.session.rollback()
        return db.session.scalar(select(InboundEmail).where(InboundEmail.dedupe_key == key)), False
    enqueue(JOB, row.id, job_id=f"inbound-{row.id}")
    return row, True


def process_inbound(inbound_id: int, now: datetime | None = None) -> InboundEmail | None:
    """Parse and route one stored message; a second run of a processed one changes nothing."""
    now = now or clock.now()
    inbound = db.session.get(InboundEmail, inbound_id)
    if inbound is None or inbound.state in ("done", "ignored"):
        return inbound
    try:
        parsed = parse_email(inbound.raw, cid_url=lambda cid: email_attachments.cid_path(inbound_id, cid))
        outcome = _route(inbound, parsed, now)
    except IntegrityError:
        db.session.rollback()
        raise  # a concurrent run won (or made the customer): the retry sees its result
    except EmailParseError as exc:
        db.session.rollback()
        return _fail(inbound_id, f"Could not parse: {exc}", now)
    except Exception as exc:
        db.session.rollback()
        log.exception("inbound email %s could not be processed", inbound_id)
        return _fail(inbound_id, f"Internal error: {exc!r}"[:2000], now)
    inbound.state = "ignored" if outcome in email_route.IGNORED else "done"
    inbound.outcome, inbound.error, inbound.processed_at = outcome, None, now
    inbound.attempts += 1
    db.session.commit()
    if outcome == "ticket":
        ai_pipeline.offer_new_ticket(inbound.ticket_id)  # the AI email pipeline sees new tickets first
    return inbound


def _fail(inbound_id: int, error: str, now: datetime) -> InboundEmail:
    inbound = db.session.get(InboundEmail, inbound_id)
    inbound.state, inbound.error, inbound.processed_at = "failed", error, now
    inbound.attempts += 1
    db.session.commit()
    return inbound


def _route(inbound: InboundEmail, parsed, now: datetime) -> str:
    """Decide and write what the message means (no commit); returns the outcome."""
    if not inbound.envelope_to:
        inbound.envelope_to = [a["address"] for a in parsed.to + parsed.cc][:50]
    noise = email_route.noise(inbound, parsed, now)
    if noise:
        return noise
    sender = (parsed.from_address or inbound.envelope_from or "").strip().lower()
    if not sender:
        raise EmailParseError("no sender address (From is missing or unreadable)")
    ticket, reason, spam = email_route.thread(inbound, parsed, sender, now)
    text = parsed.reply_text.strip() or parsed.text.strip() or "(no text)"
    message = Message(ticket_id=ticket.id, kind="customer", channel="email", body_text=text,
                      body_html=parsed.html or None, email_message_id=parsed.message_id,
                      email_from=sender, thread_reason=reason, inbound_id=inbound.id,
                      created_at=now, language=message_language(text))
    db.session.add(message)
    db.session.flush()
    notes = email_attachments.store_attachments(inbound.id, message.id, parsed.attachments)
    if notes:
        message.body_text += "\n\n[" + " ".join(notes) + "]"
    if not reason.startswith("new"):
        on_customer_activity(ticket, now)
    touch(ticket, text, now)
    inbound.ticket_id = ticket.id
    return "spam" if spam else ("ticket" if reason.startswith("new") else "reply")


def reprocess(inbound_id: int) -> InboundEmail:
    """Queue a failed message again (admins' "could not process" list)."""
    inbound = db.session.get(InboundEmail, inbound_id)
    if inbound is None:
        raise NotFound("That email does not exist.")
    if inbound.state != "failed":
        raise ValidationError("Only a message that could not be processed can be reprocessed.")
    inbound.state, inbound.error = "pending", None
    db.session.commit()
    enqueue(JOB, inbound.id, job_id=f"inbound-{inbound.id}-{inbound.attempts}")
    return inbound


def requeue_pending(older_than: timedelta = timedelta(0), now: datetime | None = None) -> int:
    """Queue stored messages no job finished (the in-process queue forgets on restart)."""
    cutoff = (now or clock.now()) - older_than
    ids = db.session.scalars(select(InboundEmail.id).where(
        InboundEmail.state == "pending", InboundEmail.received_at <= cutoff).limit(1000)).all()
    for inbound_id in ids:
        enqueue(JOB, inbound_id, job_id=f"inbound-{inbound_id}")
    return len(ids)


def failed_emails(limit: int = 100) -> list[InboundEmail]:
    """Messages that could not be processed, newest first."""
    return list(db.session.scalars(select(InboundEmail).where(InboundEmail.state == "failed")
                                   .order_by(InboundEmail.received_at.desc()).limit(limit)))


def get_inbound(inbound_id: int) -> InboundEmail:
    """One stored message, or NotFound."""
    inbound = db.session.get(InboundEmail, inbound_id)
    if inbound is None:
        raise NotFound("That email does not exist.")
    return inbound


def own_message_ids(ids: list[str]) -> bool:
    """True when any id is the Message-ID of an email Halo sent."""
    ids = [i for i in ids if i]
    return bool(ids) and db.session.scalar(
        select(OutboundEmail.id).where(OutboundEmail.rfc_message_id.in_(ids)).limit(1)) is not None
