"""The survey email: a reply in the ticket's thread, sent once.

It goes as a reply in the customer's thread (Re: the subject, In-Reply-To and References
the conversation's messages, Reply-To the ticket's own address), from the sender the
team's replies use, so it sits under the answer it asks about and a customer who answers
it in words lands in the same ticket. Auto-Submitted: auto-generated keeps
autoresponders from answering it (RFC 3834).

Sending copies the reply's guarantees: the claim (queued -> sending) is one UPDATE
committed before SMTP starts, so one worker owns an attempt; a refusal the server may
reconsider is retried with backoff; a connection lost mid-send is never retried (the
survey may have arrived; a second one would be worse than none).
"""
import logging
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import or_, select, update

from halo import clock, i18n
from halo.extensions import db
from halo.models import RATING_LABELS, RATINGS, CsatSurvey, Message, Ticket
from halo.queue import enqueue
from halo.services.accounts.reset import base_url
from halo.services.csat import tokens
from halo.services.email import compose
from halo.services.email.outbound import BACKOFF, MAX_ATTEMPTS, Undelivered, transmit
from halo.services.email.threads import reply_address

log = logging.getLogger(__name__)
JOB = "halo.jobs.email.send_csat_survey"
STALE_CLAIM = timedelta(minutes=10)


def links(ticket_id: int) -> dict[str, str]:
    """rating -> the public link that opens the survey page with it chosen."""
    token = tokens.make_token(ticket_id)
    return {r: f"{base_url()}/survey/{token}?rating={r}" for r in RATINGS}


def build(survey: CsatSurvey, ticket: Ticket, author_id: int | None):
    """The Flask-Mail message of a survey."""
    parent, refs = compose.thread_ids(ticket.id, survey.resolve_event_id or 2**62)
    address, name = compose.resolve_sender(ticket, author_id)
    context = {"customer": ticket.customer.display_name, "subject": ticket.subject,
               "days": tokens.max_age() // 86400}
    domain = current_app.config["HALO_DOMAIN"]
    headers = {"X-Halo-Loop": domain, "Auto-Submitted": "auto-generated"}
    if parent:
        headers["In-Reply-To"] = f"<{parent}>"
    if refs:
        headers["References"] = "\n ".join(f"<{r}>" for r in refs)
    # In the customer's language when Halo knows it and speaks it (halo/i18n.py).
    with force_locale(i18n.for_customer(ticket.customer)):
        context["choices"] = [(r, gettext(RATING_LABELS[r]), url) for r, url in links(ticket.id).items()]
        text, html = _render("survey/email.txt", context), _render("survey/email.html", context)
    mail = compose.StructuredMessage(
        subject=compose.reply_subject(ticket.subject),
        recipients=[(compose.one_line(ticket.customer.display_name, 200), ticket.customer.email)],
        body=text, html=html,
        sender=(compose.one_line(name, 200), address), reply_to=reply_address(ticket.id), extra_headers=headers)
    mail.msgId = f"<halo.csat.{survey.id}.{secrets.token_hex(8)}@{domain}>"
    return mail, address


def _render(name: str, context: dict) -> str:
    """A template without the request's context processors (a job has no request)."""
    return current_app.jinja_env.get_template(name).render(**context)


def deliver(survey_id: int, event_id: int, now: datetime | None = None) -> str:
    """One attempt at the survey email of one resolve; returns the survey's email state."""
    now = now or clock.now()
    claimed = db.session.execute(
        update(CsatSurvey).where(CsatSurvey.id == survey_id, CsatSurvey.resolve_event_id == event_id,
                                 CsatSurvey.email_state == "queued",
                                 or_(CsatSurvey.email_due_at.is_(None), CsatSurvey.email_due_at <= now))
        .values(email_state="sending", email_attempts=CsatSurvey.email_attempts + 1, email_due_at=now)).rowcount
    db.session.commit()
    survey = db.session.get(CsatSurvey, survey_id)
    if not claimed:
        return survey.email_state if survey else "missing"
    ticket = db.session.get(Ticket, survey.ticket_id)
    why = _not_now(ticket)
    if why:
        return _finish(survey, "skipped", why)
    try:
        resolve = db.session.get(Message, event_id)
        message, envelope_from = build(survey, ticket, resolve.author_id if resolve else None)
    except Exception as exc:  # nothing left this process
        log.exception("survey email of ticket %s could not be built", ticket.id)
        return _finish(survey, "failed", f"Could not build the email: {exc}")
    try:
        transmit(message, envelope_from)
    except Undelivered as exc:
        if exc.permanent or survey.email_attempts >= MAX_ATTEMPTS:
            return _finish(survey, "failed", str(exc))
        delay = BACKOFF[survey.email_attempts - 1]
        survey.email_state, survey.email_error = "queued", str(exc)
        survey.email_due_at = now + timedelta(seconds=delay)
        db.session.commit()
        enqueue(JOB, survey_id, event_id, job_id=f"csat-{survey_id}-{event_id}-{survey.email_attempts}",
                delay=delay, retry_intervals=())
        return "queued"
    except Exception as exc:  # lost mid-send: it may have arrived; never a second one
        return _finish(survey, "failed", f"Connection lost during sending (it may have arrived): {exc!r}")
    survey.email_sent_at = now
    return _finish(survey, "sent", None)


def send_due(now: datetime | None = None, limit: int = 100) -> int:
    """Sweep: attempt every queued survey whose time has come (a delay, a retry, a job the
    in-process queue forgot in a restart), and give up on a send a dead worker left
    claimed; returns how many were sent."""
    now = now or clock.now()
    # A worker that died mid-send: the survey may have arrived; never a second one.
    db.session.execute(update(CsatSurvey).where(
        CsatSurvey.email_state == "sending", CsatSurvey.email_due_at <= now - STALE_CLAIM)
        .values(email_state="failed", email_error="The worker stopped while sending; it may have arrived."))
    due = db.session.execute(select(CsatSurvey.id, CsatSurvey.resolve_event_id).where(
        CsatSurvey.email_state == "queued", CsatSurvey.email_due_at <= now)
        .order_by(CsatSurvey.email_due_at).limit(limit)).all()
    db.session.commit()
    return sum(deliver(survey_id, event_id, now) == "sent" for survey_id, event_id in due)


def _not_now(ticket: Ticket | None) -> str | None:
    """Why the survey should not go now (the ticket changed while the job waited)."""
    if ticket is None:
        return "The ticket was deleted."
    if ticket.merged_into_id is not None:
        return "The ticket was merged."
    if ticket.status != "resolved":
        return f"The ticket is {ticket.status_label} now."
    if not ticket.customer.email:
        return "The customer has no email address."
    return None


def _finish(survey: CsatSurvey, state: str, error: str | None) -> str:
    survey.email_state, survey.email_error = state, error
    db.session.commit()
    return state

