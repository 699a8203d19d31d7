"""Sending agent replies by email: queued -> sending -> sent, retried, never sent twice.

The claim (queued -> sending) is one UPDATE committed before SMTP starts, so only one
worker can ever own an attempt. A worker that dies after the SMTP server accepted the
message but before "sent" was written leaves the row in "sending": it is never retried
automatically; the sweep turns it into "uncertain" for an agent to check and retry.
"""
import logging
import smtplib
from datetime import datetime, timedelta

from flask_babel import gettext
from flask_mail import BadHeaderError
from sqlalchemy import bindparam, or_, select, update

from halo import clock
from halo.extensions import db, mail
from halo.models import Message, OutboundEmail, Ticket
from halo.queue import enqueue
from halo.services.access import roles
from halo.services.access import scope as access_scope
from halo.services.email import compose as email_compose
from halo.services.errors import NotFound, ValidationError
from halo.services.tickets import conversation

log = logging.getLogger(__name__)
JOB = "halo.jobs.email.send_email"
BACKOFF = (10, 60, 300, 1800, 7200)  # seconds after attempts 1..5; attempt 6 is the last
MAX_ATTEMPTS = len(BACKOFF) + 1
STALE_CLAIM = timedelta(minutes=10)


class Undelivered(Exception):
    """The server refused it or never got it: safe to try again (or give up)."""

    def __init__(self, error: str, permanent: bool = False):
        super().__init__(error)
        self.permanent = permanent


def schedule_send(message_id: int) -> None:
    """The email channel's delivery: fix the headers, then queue the send job."""
    message = db.session.get(Message, message_id)
    ticket = db.session.get(Ticket, message.ticket_id)
    if not ticket.customer.email:
        message.delivery, message.delivery_error = "failed", "This customer has no email address."
        db.session.commit()
        return
    out = db.session.scalar(select(OutboundEmail).where(OutboundEmail.message_id == message_id))
    if out is None:
        out = email_compose.plan(message, ticket)
        message.email_message_id = out.rfc_message_id
        db.session.add(out)
        db.session.commit()
    enqueue(JOB, message_id, job_id=f"send-{message_id}-{out.attempts}", retry_intervals=())


def plan_send(message: Message, ticket: Ticket):
    """The email channel's prepare: the send record planned in the reply's own transaction,
    so the reply and its send record commit together (or neither does); returns the enqueue
    to run after the commit. A crash before that loses nothing: send_due sweeps queued records."""
    if not ticket.customer.email:
        message.delivery, message.delivery_error = "failed", "This customer has no email address."
        return None
    db.session.flush()  # the message's id, which the plan's Message-ID and thread read
    out = email_compose.plan(message, ticket)
    message.email_message_id = out.rfc_message_id
    db.session.add(out)
    message_id = message.id
    return lambda: enqueue(JOB, message_id, job_id=f"send-{message_id}-0", retry_intervals=())


CHANNEL = conversation.Channel("email", deliver=schedule_send, prepare=plan_send)


def deliver(message_id: int, now: datetime | None = None) -> str:
    """One send attempt if this worker wins the claim; returns the resulting state."""
    now = now or clock.now()
    claimed = db.session.execute(
        update(OutboundEmail).where(
            OutboundEmail.message_id == message_id, OutboundEmail.state == "queued",
            or_(OutboundEmail.next_attempt_at.is_(None), OutboundEmail.next_attempt_at <= now))
        .values(state="sending", attempts=OutboundEmail.attempts + 1, claimed_at=now)
    ).rowcount
    db.session.commit()
    out = db.session.scalar(select(OutboundEmail).where(OutboundEmail.message_id == message_id))
    if not claimed:
        return out.state if out else "missing"
    message = db.session.get(Message, message_id)
    ticket = db.session.get(Ticket, message.ticket_id)
    try:
        built = email_compose.build(out, message, ticket.customer.display_name)
    except Exception as exc:  # nothing left this process: a plain failure, no guessing
        log.exception("email for message %s could not be built", message_id)
        return _after_failure(out, message, f"Could not build the email: {exc}", True, now)
    try:
        transmit(built, out.from_address)
    except Undelivered as exc:
        return _after_failure(out, message, str(exc), exc.permanent, now)
    except Exception as exc:  # the connection broke mid-transaction: accepted or not, unknown
        return _uncertain(out, message, f"Connection lost during sending: {exc!r}", now)
    return _mark_sent(out.id, now)


def transmit(mail_message, envelope_from: str) -> None:
    """Hand the message to MAIL_SERVER through Flask-Mail, sorting errors by what they prove."""
    connection = mail.connect()
    try:
        # The app's own settings (MAIL_SUPPRESS_SEND, on under TESTING): Mail.suppress reads a
        # state that init_app never sets, so it was always off.
        connection.host = None if connection.mail.suppress else connection.configure_host()
    except (OSError, smtplib.SMTPException) as exc:
        raise Undelivered(gettext("Cannot reach the mail server: %(exc)s", exc=exc)) from exc
    try:
        connection.send(mail_message, envelope_from=envelope_from)
    except BadHeaderError as exc:
        raise Undelivered(gettext("A header contained a line break."), permanent=True) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise Undelivered(gettext("Recipient refused: %(recipients)s", recipients=exc.recipients), permanent=min(codes) >= 500) from exc
    except smtplib.SMTPResponseException as exc:  # the server answered with an error: not accepted
        raise Undelivered(f"{exc.smtp_code} {exc.smtp_error!r}", permanent=exc.smtp_code >= 500) from exc
    finally:
        if connection.host is not None:
            try:
                connection.host.quit()
            except Exception:  # the message is already accepted; a rude goodbye changes nothing
                pass


def _mark_sent(outbound_id: int, now: datetime) -> str:
    out = db.session.get(OutboundEmail, outbound_id)
    out.state, out.sent_at, out.last_error = "sent", now, None
    message = db.session.get(Message, out.message_id)
    message.delivery, message.delivery_error = "sent", None
    db.session.commit()
    return "sent"


def _after_failure(out, message, error: str, permanent: bool, now: datetime) -> str:
    if permanent or out.attempts >= MAX_ATTEMPTS:
        out.state, out.last_error = "failed", error
        message.delivery, message.delivery_error = "failed", error
        db.session.commit()
        return "failed"
    delay = BACKOFF[out.attempts - 1]
    out.state, out.last_error, out.next_attempt_at = "queued", error, now + timedelta(seconds=delay)
    message.delivery_error = f"Attempt {out.attempts} failed ({error}); retrying."
    db.session.commit()
    enqueue(JOB, message.id, job_id=f"send-{message.id}-{out.attempts}", delay=delay, retry_intervals=())
    return "queued"


def _uncertain(out, message, error: str, now: datetime) -> str:
    out.state, out.last_error = "uncertain", error
    message.delivery = "uncertain"
    message.delivery_error = error + " It may have been delivered: check before retrying."
    db.session.commit()
    return "uncertain"


def retry_send(message_id: int, actor_id: int | None = None) -> OutboundEmail:
    """An agent's Retry on a failed or uncertain email: queue it again from the start."""
    out = db.session.scalar(select(OutboundEmail).where(OutboundEmail.message_id == message_id))
    message = db.session.get(Message, message_id)
    if message is None or message.channel != "email" or message.delivery is None:
        raise NotFound(gettext("That email does not exist."))
    try:
        access_scope.require_message(message)
    except NotFound:
        raise NotFound(gettext("That email does not exist.")) from None
    roles.require(actor_id, "reply")
    if out is None:  # the handler never ran (crash right after the reply was saved)
        message.delivery = "queued"
        db.session.commit()
        schedule_send(message_id)
        return db.session.scalar(select(OutboundEmail).where(OutboundEmail.message_id == message_id))
    if out.state not in ("failed", "uncertain"):
        raise ValidationError(gettext("Only a failed email can be retried."))
    out.state, out.next_attempt_at, out.attempts = "queued", None, 0
    message.delivery, message.delivery_error = "queued", None
    db.session.commit()
    enqueue(JOB, message_id, job_id=f"send-{message_id}-retry-{out.id}-{clock.now().timestamp()}",
            retry_intervals=())
    return out


def send_due(now: datetime | None = None) -> dict:
    """Sweep: attempt every due queued send and flag stale claims as uncertain."""
    now = now or clock.now()
    stale = db.session.scalars(select(OutboundEmail).where(
        OutboundEmail.state == "sending", OutboundEmail.claimed_at < now - STALE_CLAIM)).all()
    for out in stale:
        _uncertain(out, db.session.get(Message, out.message_id),
                   "The worker stopped while sending.", now)
    due = db.session.scalars(select(OutboundEmail.message_id).where(
        OutboundEmail.state == "queued",
        or_(OutboundEmail.next_attempt_at.is_(None), OutboundEmail.next_attempt_at <= now))
        .order_by(OutboundEmail.id).limit(500)).all()
    results = [deliver(mid, now) for mid in due]
    return {"uncertain": len(stale), "attempted": len(due), "sent": results.count("sent")}


def mark_bounced(rfc_message_id: str, detail: str, now: datetime) -> bool:
    """A bounce for an email Halo sent: show it failed, with the reason (no commit)."""
    out = db.session.scalar(select(OutboundEmail).where(OutboundEmail.rfc_message_id == rfc_message_id))
    if out is None:
        return False
    error = "Bounced: " + " ".join((detail or "the recipient's server returned it").split())[:500]
    out.state, out.last_error = "failed", error
    message = db.session.get(Message, out.message_id)
    message.delivery, message.delivery_error = "failed", error
    return True


# Built once: every inbound mail asks (building a statement costs more than running it).
_OWN_IDS = select(OutboundEmail.id).where(
    OutboundEmail.rfc_message_id.in_(bindparam("ids", expanding=True))).limit(1)


def own_message_ids(ids: list[str]) -> bool:
    """True when any id is the Message-ID of an email Halo sent."""
    ids = [i for i in ids if i]
    return bool(ids) and db.session.scalar(_OWN_IDS, {"ids": ids}) is not None
