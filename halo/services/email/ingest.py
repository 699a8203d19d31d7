"""Inbound email: store the raw bytes first, then process them as a job, idempotently.

Every way in (SMTP receiver, webhook, IMAP poll) calls receive_email(); the job calls
process_inbound(). A message that cannot be processed stays stored, in state "failed"
with its error, for the admins' "could not process" list.
"""
import functools
import hashlib
import logging
import re
from datetime import datetime, timedelta
from email import policy
from email.parser import BytesHeaderParser

from flask import current_app
from flask_babel import gettext
from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import undefer

from halo import clock
from halo.extensions import db
from halo.mail.headers import first_id
from halo.mail.parse import EmailParseError, parse_email
from halo.models import InboundEmail, Message
from halo.queue import enqueue
from halo.services.access import scope as access_scope
from halo.services.ai import pipeline as ai_pipeline
from halo.services.ai import settings as ai_settings
from halo.services.email import attachments as email_attachments
from halo.services.email import route as email_route
from halo.services.errors import NotFound, ValidationError
from halo.services.tickets import conversation
from halo.services.transactions.writer import sqlite_writer as _writing
from halo.services.translate import tickets as translate_tickets

log = logging.getLogger(__name__)
JOB = "halo.jobs.email.process_inbound"


class TooLarge(ValidationError):
    """The message is over HALO_MAX_EMAIL_BYTES."""
    status_code = 413


def dedupe_key(raw: bytes) -> tuple[str, str | None]:
    """("mid:<Message-ID>#<content hash>", id) when it has one, else ("sha256:<hex>", None).

    The same mail arriving twice (two paths, a redelivery) is stored once; a different
    mail reusing a known Message-ID (a scanner, a broken mailer) is stored too, with a
    note: the key holds the Message-ID and a hash of what the mail says.
    """
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        mid = first_id(str(headers.get("Message-ID", "") or ""))
    except Exception:  # a header block too broken to read still gets stored, by hash
        headers, mid = None, None
    if mid and len(mid) <= MAX_ID:
        return f"mid:{mid}#{content_hash(raw, headers)}", mid
    return "sha256:" + hashlib.sha256(raw).hexdigest(), None


MAX_ID = 230  # "mid:" + id + "#" + 16 hex digits fit the 255 of dedupe_key
_TRAILING_SPACE = re.compile(rb"[ \t]+(?=\r?\n)")


def content_hash(raw: bytes, headers=None) -> str:
    """16 hex digits over Subject, Date and the body, normalised so one mail fetched by IMAP
    and received by SMTP (other trace headers, CRLF or LF, trailing spaces) hashes alike."""
    if headers is None:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    match = re.search(rb"\r?\n\r?\n", raw)
    body = raw[match.end():] if match else b""
    body = _TRAILING_SPACE.sub(b"", body).replace(b"\r\n", b"\n").strip(b"\n")
    digest = hashlib.sha256()
    for name in ("Subject", "Date"):
        value = " ".join(str(headers.get(name, "") or "").split())
        digest.update(value.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(body)
    return digest.hexdigest()[:16]


@functools.cache
def _store_statement_for(dialect: str):
    # Built once with bound parameters: building it with literal values costs more than running it.
    table = InboundEmail.__table__
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)


def _store_statement():
    return _store_statement_for(db.session.get_bind().dialect.name)


def receive_email(raw: bytes, source: str, envelope_from: str | None = None,
                  envelope_to=(), now: datetime | None = None) -> tuple[InboundEmail, bool]:
    """Store a raw message (once) and queue its processing; returns (row, newly stored)."""
    inbound_id, created = store_email(raw, source, envelope_from, envelope_to, now)
    return db.session.get(InboundEmail, inbound_id), created


def store_email(raw: bytes, source: str, envelope_from: str | None = None,
                envelope_to=(), now: datetime | None = None) -> tuple[int, bool]:
    """Store a raw message (once), commit, queue its processing; returns (id, newly stored).

    One statement, INSERT ... ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, both
    stores and de-duplicates (also against another path storing the same message at the
    same moment); the commit is done before this returns, so before the SMTP 250.
    """
    if not raw or not raw.strip():
        raise ValidationError(gettext("The message is empty."))
    if len(raw) > current_app.config["HALO_MAX_EMAIL_BYTES"]:
        raise TooLarge("The message is larger than this server accepts.")
    key, mid = dedupe_key(raw)
    values = dict(dedupe_key=key, rfc_message_id=mid, source=source, raw=bytes(raw), size=len(raw),
                  envelope_from=(envelope_from or None) and envelope_from[:254],
                  envelope_to=[a[:254] for a in envelope_to][:50], received_at=now or clock.now(),
                  state="pending", attempts=0)
    with _writing():
        inbound_id = db.session.connection().execute(_store_statement(), values).scalar()
        db.session.commit()
    if inbound_id is None:  # stored before, by this path or another
        return db.session.scalar(select(InboundEmail.id).where(InboundEmail.dedupe_key == key)), False
    enqueue(JOB, inbound_id, job_id=f"inbound-{inbound_id}")
    return inbound_id, True


def process_inbound(inbound_id: int, now: datetime | None = None) -> InboundEmail | None:
    """Parse and route one stored message; a second run of a processed one changes nothing."""
    now = now or clock.now()
    inbound = db.session.scalar(select(InboundEmail).options(undefer(InboundEmail.raw))
                                .where(InboundEmail.id == inbound_id))
    if inbound is None or inbound.state in ("done", "ignored"):
        return inbound
    try:
        parsed = _parse(inbound)
        with _writing():
            arrived = []
            outcome = _route(inbound, parsed, now, arrived=arrived)
            _finish(inbound, outcome, now)
            db.session.flush()
            ticket_id = inbound.ticket_id  # read before commit expires it
            arrived_ids = [m.id for m in arrived]
            db.session.commit()
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
    translate_tickets.queue_arrived(arrived_ids)
    if outcome == "ticket":
        ai_pipeline.offer_new_ticket(ticket_id)  # the AI email pipeline sees new tickets first
    return inbound


def process_inbound_batch(inbound_ids: list[int], now: datetime | None = None) -> None:
    """Process several stored messages in one transaction (the embedded worker's backlog).

    One SELECT loads them all; every message is parsed before the first write, so the
    SQLite write lock is held only while routing; one commit covers the batch. Messages
    are routed in arrival order, so one that answers another of the same batch threads
    onto it exactly as it would one by one. Any failure rolls the whole batch back and
    processes each message on its own (process_inbound), so a bad message is recorded
    as failed by itself and never holds up or loses the others. (Not savepoints: with
    pysqlite's default transaction handling RELEASE of a first SAVEPOINT commits.)
    """
    now = now or clock.now()
    rows = db.session.scalars(select(InboundEmail).options(undefer(InboundEmail.raw))
                              .where(InboundEmail.id.in_(inbound_ids),
                                     InboundEmail.state.not_in(("done", "ignored")))
                              .order_by(InboundEmail.id)).all()
    ids = [row.id for row in rows]
    try:
        parsed = [(row, _parse(row)) for row in rows]
        new_tickets, touched, arrived = [], [], []
        with _writing():
            for inbound, message in parsed:
                # The session holds clean rows only weakly: `touched` keeps this batch's
                # tickets loaded, so a later message on the same ticket does not SELECT it.
                outcome = _route(inbound, message, now, touched, arrived)
                _finish(inbound, outcome, now)
                if outcome == "ticket":
                    new_tickets.append(inbound.ticket_id)
            db.session.flush()
            arrived_ids = [m.id for m in arrived]
            db.session.commit()
    except Exception:
        db.session.rollback()
        for inbound_id in ids:
            process_inbound(inbound_id, now)
        return
    translate_tickets.queue_arrived(arrived_ids)  # one job for the batch
    if new_tickets and ai_settings.get("ai_email_enabled"):  # one read for the batch
        for ticket_id in new_tickets:
            ai_pipeline.offer_new_ticket(ticket_id)


def _parse(inbound: InboundEmail):
    inbound_id = inbound.id
    return parse_email(inbound.raw, cid_url=lambda cid: email_attachments.cid_path(inbound_id, cid),
                       max_files=current_app.config["HALO_MAX_ATTACHMENT_FILES"])


def _finish(inbound: InboundEmail, outcome: str, now: datetime) -> None:
    inbound.state = "ignored" if outcome in email_route.IGNORED else "done"
    inbound.outcome, inbound.error, inbound.processed_at = outcome, None, now
    inbound.attempts += 1


def _fail(inbound_id: int, error: str, now: datetime) -> InboundEmail:
    inbound = db.session.get(InboundEmail, inbound_id)
    inbound.state, inbound.error, inbound.processed_at = "failed", error, now
    inbound.attempts += 1
    db.session.commit()
    return inbound


def _route(inbound: InboundEmail, parsed, now: datetime, touched: list | None = None,
           arrived: list | None = None) -> str:
    """Decide and write what the message means (no commit); returns the outcome. A stored
    message whose language is still to settle joins arrived."""
    if not inbound.envelope_to:
        inbound.envelope_to = [a["address"] for a in parsed.to + parsed.cc][:50]
    noise = email_route.noise(inbound, parsed, now)
    if noise:
        return noise
    earlier = _earlier_with_same_id(inbound)
    if earlier == "duplicate":
        return "duplicate"
    sender = (parsed.from_address or inbound.envelope_from or "").strip().lower()
    if not sender:
        raise EmailParseError(gettext("no sender address (From, Reply-To, Sender and the envelope are empty)"))
    ticket, reason, spam = email_route.thread(inbound, parsed, sender, now)
    text = parsed.reply_text.strip() or parsed.text.strip() or "(no text)"
    message = conversation.add_customer_message(
        ticket, "email", text, now, new_ticket=reason.startswith("new"),
        body_html=parsed.html or None, email_message_id=parsed.message_id, email_from=sender,
        email_from_name=parsed.from_name[:200] or None, email_notes=_notes(parsed, earlier),
        thread_reason=reason, inbound_id=inbound.id)
    if parsed.attachments:  # their rows need the message id; otherwise the next flush writes it
        db.session.flush()
        email_attachments.store_attachments(inbound.id, message.id, parsed.attachments)
    inbound.ticket_id = ticket.id
    if arrived is not None and translate_tickets.wants_language(ticket.customer):
        arrived.append(message)
    if touched is not None:
        touched.append(ticket)
    return "spam" if spam else ("ticket" if reason.startswith("new") else "reply")


def _notes(parsed, earlier: int | None) -> list[str] | None:
    """What the agent must know about how this email arrived, shown under it."""
    notes = list(parsed.warnings)
    if parsed.omitted_parts:
        notes.append(f"{parsed.omitted_parts:,} more part(s) of this email were not made into files "
                     "(too many); they are in the original.")
    if earlier:
        notes.append(f"This email reuses the Message-ID of an earlier, different email (#{earlier}); "
                     "both are kept.")
    return notes or None


# Built once, run once a mail (building a statement costs more than running this one).
_SAME_ID = (select(InboundEmail.id, InboundEmail.dedupe_key)
            .where(InboundEmail.rfc_message_id == bindparam("mid"), InboundEmail.id < bindparam("before"))
            .order_by(InboundEmail.id).limit(5))


def _earlier_with_same_id(inbound: InboundEmail) -> int | str | None:
    """The earlier stored email with this Message-ID, "duplicate" when it is this very mail
    stored before keys held a content hash, or None."""
    if not inbound.rfc_message_id:
        return None
    rows = db.session.execute(_SAME_ID, {"mid": inbound.rfc_message_id, "before": inbound.id}).all()
    mine = inbound.dedupe_key.rpartition("#")[2]
    for other_id, key in rows:
        if "#" not in key and content_hash(db.session.scalar(
                select(InboundEmail.raw).where(InboundEmail.id == other_id))) == mine:
            return "duplicate"
    return rows[0][0] if rows else None


def reprocess(inbound_id: int) -> InboundEmail:
    """Queue a failed message again (admins' "could not process" list)."""
    inbound = db.session.get(InboundEmail, inbound_id)
    if inbound is None:
        raise NotFound(gettext("That email does not exist."))
    if inbound.state != "failed":
        raise ValidationError(gettext("Only a message that could not be processed can be reprocessed."))
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
        raise NotFound(gettext("That email does not exist."))
    access_scope.require_inbound(inbound_id)
    return inbound


def message_of(inbound_id: int) -> Message | None:
    """The thread message a stored email became, if it became one."""
    return db.session.scalar(select(Message).where(Message.inbound_id == inbound_id))
