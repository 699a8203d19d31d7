"""Surveys: offered when a teammate resolves a ticket, answered once per ticket.

Off by default (Settings > Satisfaction). The offer is made by session hooks, so every way
a ticket is resolved (the status menu, bulk actions, the API) asks the same way: after a
flush, the resolve event lines written; before the commit, a survey row for each, in the
same transaction; after the commit, the email job (or, for a chat, an event that shows the
rating choice in the widget). Not asked:

- when the resolve was automatic (no teammate: the AI answered, an automation): the
  customer has just had an automated answer and not yet tried it; those tickets are
  measured by whether they come back, not by a second automated email;
- merged tickets, API-channel tickets (their bridge has the csat.rated webhook instead),
  email tickets whose customer has no address, and a ticket asked within REASK_AFTER
  (a resolve, a reopen by mistake, a resolve again: one survey). A reopen and a later
  resolve after that is a new cycle and asks again; the answer stays one per ticket,
  the latest replacing the earlier one;
- spam: a spam ticket is never Resolved, and the email job checks again before sending
  (a ticket reopened, marked spam or merged meanwhile gets no email).

The email may wait (Settings > Satisfaction: a delay); the job is queued with that delay,
and the schedule's sweep sends whatever is due and was forgotten (a restart of the
in-process queue), the claim making sure it goes once.

An answer writes an event line ("Customer rated Good: …"), which the webhooks capture
sends out as csat.rated; a second answer that changes nothing writes nothing.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from halo import clock
from halo.extensions import db
from halo.models import (
    RATING_LABELS,
    RATINGS,
    CsatSurvey,
    Message,
    Setting,
    Ticket,
    Visitor,
)
from halo.queue import enqueue
from halo.services import events
from halo.services.errors import NotFound, ValidationError
from halo.services.settings import DEFAULTS, get_setting, set_setting

# Registered here, so the switch never depends on another module's edit.
DEFAULTS.setdefault("csat_enabled", False)
DEFAULTS.setdefault("csat_delay_minutes", 0)

CHANNELS = ("email", "chat")
REASK_AFTER = timedelta(hours=24)
MAX_COMMENT = 2000
DELAYS = (0, 15, 60, 240, 1440)  # minutes the email waits after the resolve
JOB = "halo.jobs.email.send_csat_survey"  # the mail lane
PENDING = "halo_csat_resolves"  # resolve event lines read off flushes
QUEUED = "halo_csat_queued"  # [(survey_id, event_id, delay seconds)] to start after the commit


@dataclass(frozen=True)
class Answer:
    survey: CsatSurvey
    changed: bool


def settings() -> dict:
    """The switch and the email's delay, for Settings > Satisfaction."""
    return {"enabled": bool(get_setting("csat_enabled")), "delay": int(get_setting("csat_delay_minutes") or 0)}


def save_settings(enabled: bool, delay: str | int) -> None:
    """Turn surveys on or off; the delay is one of DELAYS minutes."""
    try:
        minutes = int(delay or 0)
    except (TypeError, ValueError):
        raise ValidationError(gettext("Choose how long after the resolve the email waits.")) from None
    if minutes not in DELAYS:
        raise ValidationError(gettext("Choose how long after the resolve the email waits."))
    set_setting("csat_enabled", bool(enabled))
    set_setting("csat_delay_minutes", minutes)


def survey_of(ticket_id: int) -> CsatSurvey | None:
    """The ticket's survey (offered, maybe answered), for its page."""
    return db.session.scalar(select(CsatSurvey).where(CsatSurvey.ticket_id == ticket_id))


# ---------------------------------------------------------------- offering


def _read(session, _flush_context) -> None:
    """after_flush: the resolve event lines this flush wrote."""
    for obj in session.new:
        if isinstance(obj, Message) and obj.kind == "event" and obj.event_type == "status" \
                and (obj.event_data or {}).get("to") == "resolved":
            session.info.setdefault(PENDING, []).append(obj)


def _offer_all(session) -> None:
    """before_commit: a survey for each resolve, in the committing transaction."""
    if any(isinstance(obj, Message) for obj in session.new):
        session.flush()  # the commit's own flush comes after this hook: read its writes now
    pending = session.info.pop(PENDING, None)
    if not pending or not _setting(session, "csat_enabled"):
        return
    now = clock.now()
    delay = int(_setting(session, "csat_delay_minutes") or 0) * 60
    for event in pending:
        survey = _offer(session, event, now)
        if survey is None:
            continue
        session.flush()
        if survey.channel == "email":
            session.info.setdefault(QUEUED, []).append((survey.id, event.id, delay))
        else:
            events.ticket_changed(survey.ticket_id, "csat", session=session)


def _setting(session, key):
    row = session.get(Setting, key)
    return DEFAULTS.get(key) if row is None else row.value


def _offer(session, event: Message, now: datetime) -> CsatSurvey | None:
    if event.author_id is None:
        return None
    ticket = session.get(Ticket, event.ticket_id)
    if ticket is None or ticket.status != "resolved" or ticket.merged_into_id is not None:
        return None
    if ticket.channel not in CHANNELS or (ticket.channel == "email" and not ticket.customer.email):
        return None
    survey = session.scalar(select(CsatSurvey).where(CsatSurvey.ticket_id == ticket.id))
    if survey is not None and (survey.resolve_event_id == event.id or now - survey.offered_at < REASK_AFTER):
        return None
    if survey is None:
        survey = CsatSurvey(ticket_id=ticket.id, comment="", email_attempts=0)
        session.add(survey)
    survey.channel, survey.resolve_event_id, survey.offered_at = ticket.channel, event.id, now
    email = ticket.channel == "email"
    survey.email_state = "queued" if email else None
    survey.email_attempts, survey.email_sent_at, survey.email_error = 0, None, None
    survey.email_due_at = now + timedelta(minutes=int(_setting(session, "csat_delay_minutes") or 0)) if email else None
    return survey


def _start(session) -> None:
    """after_commit: the email jobs. Queued from an app context of their own: the session
    that committed is still finishing, and a queue that runs a job at once in the caller
    (HALO_QUEUE=sync) must not run it in that session."""
    queued = session.info.pop(QUEUED, None)
    if not queued:
        return
    with current_app.app_context():
        for survey_id, event_id, delay in queued:
            enqueue(JOB, survey_id, event_id, job_id=f"csat-{survey_id}-{event_id}", delay=delay)


def _drop(session, previous_transaction) -> None:
    if previous_transaction.parent is None and previous_transaction.nested is False:
        session.info.pop(PENDING, None)
        session.info.pop(QUEUED, None)


# Installed by create_app (services/transactions/hooks.py).
HOOKS = (("after_flush", _read), ("before_commit", _offer_all), ("after_commit", _start),
         ("after_soft_rollback", _drop))


# ---------------------------------------------------------------- answering


def clean_comment(comment: str | None) -> str | None:
    """None keeps the comment there is; text is trimmed and bounded."""
    if comment is None:
        return None
    comment = comment.replace("\r\n", "\n").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationError(gettext("Keep the comment under %(MAX_COMMENT)s characters.", MAX_COMMENT=MAX_COMMENT))
    return comment


def record(ticket_id: int, rating: str, comment: str | None = None, via: str = "email",
           now: datetime | None = None) -> Answer:
    """The customer's answer: sets the ticket's one rating (a later answer replaces it) and
    writes an event line; the same answer again changes nothing."""
    if rating not in RATINGS:
        raise ValidationError(gettext("Choose Good, Okay or Not good."))
    comment = clean_comment(comment)
    survey = db.session.scalar(select(CsatSurvey).where(CsatSurvey.ticket_id == ticket_id))
    if survey is None:
        raise NotFound(gettext("This conversation has no survey to answer."))
    if survey.rating == rating and (comment is None or comment == survey.comment):
        return Answer(survey, False)
    now = now or clock.now()
    previous = survey.rating
    survey.rating, survey.rated_at, survey.rated_via = rating, now, via
    if comment is not None:
        survey.comment = comment
    ticket = db.session.get(Ticket, ticket_id)
    db.session.add(Message(
        ticket_id=ticket_id, kind="event", event_type="csat", author_id=None, created_at=now,
        event_data={"rating": rating, "label": RATING_LABELS[rating], "previous": previous,
                    "comment": survey.comment, "via": via, "customer": ticket.customer.display_name}))
    db.session.commit()
    return Answer(survey, True)


# ---------------------------------------------------------------- the chat widget


def widget_view(visitor_id: int | None) -> dict:
    """What the widget shows: the rating choice while the visitor's chat is resolved and
    has a survey (with the answer given so far), else nothing."""
    survey = _visitor_survey(visitor_id)
    if survey is None:
        return {"type": "survey", "open": False}
    return {"type": "survey", "open": True, "rating": survey.rating, "comment": survey.comment,
            "choices": [{"value": r, "label": gettext(RATING_LABELS[r])} for r in RATINGS]}


def rate_in_widget(visitor_id: int | None, rating, comment=None) -> Answer:
    """A visitor's answer from the widget, for its own conversation only."""
    if _visitor_survey(visitor_id) is None:
        raise ValidationError(gettext("There is no survey to answer in this chat."))
    if not isinstance(rating, str) or (comment is not None and not isinstance(comment, str)):
        raise ValidationError(gettext("Choose Good, Okay or Not good."))
    visitor = db.session.get(Visitor, visitor_id)
    return record(visitor.ticket_id, rating, comment, via="chat")


def _visitor_survey(visitor_id: int | None) -> CsatSurvey | None:
    if not visitor_id:
        return None
    row = db.session.execute(
        select(CsatSurvey, Ticket.status).join(Ticket, Ticket.id == CsatSurvey.ticket_id)
        .join(Visitor, Visitor.ticket_id == Ticket.id)
        .where(Visitor.id == visitor_id, CsatSurvey.channel == "chat")).first()
    return row[0] if row is not None and row[1] == "resolved" else None
