"""Notifications by email, through Halo's outbound mail path: one mail per notification a
teammate asked to get by email (after MAIL_DELAY, and only while still unread in the app:
what they saw on screen is not mailed), and a daily digest at DIGEST_HOUR of their own
time zone. Both run on the schedule (halo/schedule.py); the clock is injected.

Each notification is looked at once (its `mailed` column says what became of it), so a
restart or a second runner never mails it twice; a mail server that refuses is logged and
the notification marked failed, not retried forever."""
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from flask_babel import force_locale, gettext
from flask_mail import Message as MailMessage
from sqlalchemy import func, select

from halo import clock, i18n
from halo.extensions import db
from halo.models import Notification, Ticket, User
from halo.services.accounts.reset import base_url
from halo.services.email.compose import one_line
from halo.services.email.outbound import Undelivered, transmit
from halo.services.notifications import prefs

log = logging.getLogger(__name__)
MAIL_DELAY = timedelta(minutes=2)  # time to see it in the app first
TOO_OLD = timedelta(days=1)  # a backlog after downtime is not mailed one by one (the digest has it)
BATCH = 200
DIGEST_HOUR = 8
OPEN = ("open", "priority", "in_progress")


def _sender() -> str:
    return current_app.config.get("MAIL_DEFAULT_SENDER") or f"halo@{current_app.config['HALO_DOMAIN']}"


def _send(user: User, subject: str, body: str) -> None:
    message = MailMessage(subject=one_line(subject), recipients=[user.email], sender=_sender(), body=body,
                          extra_headers={"Auto-Submitted": "auto-generated",
                                         "X-Halo-Loop": one_line(current_app.config["HALO_DOMAIN"])})
    transmit(message, _sender())


def _link(ticket_id: int | None) -> str:
    return base_url() + (f"/tickets/{ticket_id}" if ticket_id else "/notifications")


def send_due(now: datetime | None = None) -> dict:
    """Mail the notifications whose delay has passed; returns how many went, were skipped, failed."""
    now = now or clock.now()
    counts = {"sent": 0, "skip": 0, "failed": 0}
    rows = db.session.scalars(select(Notification).where(
        Notification.mailed.is_(None), Notification.created_at <= now - MAIL_DELAY)
        .order_by(Notification.id).limit(BATCH)).all()
    for note in rows:
        note.mailed = _mail_one(note, now)
        counts[note.mailed] += 1
        db.session.commit()  # one at a time: a crash mid-batch mails nothing twice
    return counts


def _mail_one(note: Notification, now: datetime) -> str:
    user = db.session.get(User, note.user_id)
    if (user is None or not user.active or note.read_at is not None or note.created_at < now - TOO_OLD
            or not prefs.of(user).mails(note.kind)):
        return "skip"
    with force_locale(i18n.for_user(user)):  # the teammate's language
        body = (f"{note.text}\n\n{_link(note.ticket_id)}\n\n-- \n"
                + gettext("Halo. Choose what reaches you by email in your profile: %(url)s", url=f"{base_url()}/profile")
                + "\n")
    try:
        _send(user, f"[Halo] {note.text}", body)
    except Undelivered as exc:
        log.warning("Notification %s to %s was not mailed: %s", note.id, user.email, exc)
        return "failed"
    return "sent"


# The daily digest


@dataclass(frozen=True)
class Digest:
    notifications: list
    open_count: int
    open_tickets: list

    @property
    def empty(self) -> bool:
        return not self.notifications and not self.open_count


def local_today(user: User, now: datetime) -> tuple[date, int]:
    """The teammate's date and hour now (their time zone; UTC when it is unknown)."""
    try:
        zone = ZoneInfo(user.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)
    return local.date(), local.hour


def digest_for(user: User, now: datetime) -> Digest:
    """Unread notifications of the last day, and the teammate's open tickets (oldest activity first)."""
    unread = db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None),
        Notification.created_at >= now - TOO_OLD).order_by(Notification.created_at).limit(50)).all()
    mine = (Ticket.assignee_id == user.id) & Ticket.status.in_(OPEN) & Ticket.merged_into_id.is_(None)
    count = db.session.scalar(select(func.count()).select_from(Ticket).where(mine)) or 0
    oldest = db.session.scalars(select(Ticket).where(mine).order_by(Ticket.last_activity_at, Ticket.id).limit(10)).all()
    return Digest(list(unread), count, list(oldest))


def send_digests(now: datetime | None = None) -> int:
    """Every teammate whose morning has come and who has not had today's digest gets it
    (an empty one is not sent, but counts as sent). Returns how many were mailed."""
    now = now or clock.now()
    sent = 0
    for user in db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)).all():
        today, hour = local_today(user, now)
        if hour < DIGEST_HOUR or user.digest_sent_on == today or not prefs.of(user).digest:
            continue
        digest = digest_for(user, now)
        if not digest.empty:
            try:
                with force_locale(i18n.for_user(user)):  # the teammate's language
                    subject = "[Halo] " + gettext("Your morning: %(open)s open, %(unread)s unread",
                                                  open=digest.open_count, unread=len(digest.notifications))
                    text = _digest_text(user, digest)
                _send(user, subject, text)
                sent += 1
            except Undelivered as exc:
                log.warning("The digest for %s was not mailed: %s", user.email, exc)
                continue  # the next run tries again today
        user.digest_sent_on = today
        db.session.commit()
    return sent


def _digest_text(user: User, digest: Digest) -> str:
    first = user.name.split()[0] if user.name else ""
    lines = [gettext("Good morning, %(name)s.", name=first) if first else gettext("Good morning."), ""]
    if digest.notifications:
        lines.append(gettext("Unread notifications (%(count)s):", count=len(digest.notifications)))
        lines += [f"- {n.text}\n  {_link(n.ticket_id)}" for n in digest.notifications]
        lines.append("")
    lines.append(gettext("Open tickets assigned to you: %(count)s", count=digest.open_count))
    if digest.open_tickets:
        lines.append(gettext("Waiting longest:"))
        lines += [f"- #{t.id} {t.subject or gettext('(no subject)')}\n  {_link(t.id)}" for t in digest.open_tickets]
    lines += ["", "-- \n" + gettext("Halo. Turn the daily digest off in your profile: %(url)s", url=f"{base_url()}/profile"), ""]
    return "\n".join(lines)
