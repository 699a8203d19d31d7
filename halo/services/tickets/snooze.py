"""Snooze presets in the agent's time zone, waking snoozed tickets on time, and who to tell.

The schedule (halo/schedule.py) wakes what is due every minute, all of it in one pass;
the inbox views already list a due snooze as open at query time, so a ticket is never
hidden past its time, even between passes.
"""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_babel import gettext
from sqlalchemy import select

from halo import clock, formats
from halo.extensions import db
from halo.i18n import N_
from halo.models import Message, Ticket, User
from halo.services.errors import NotFound, ValidationError
from halo.services.tickets import notifications, status

PRESETS = {"later_today": N_("Later today"), "tomorrow": N_("Tomorrow morning"), "next_week": N_("Next week")}
MORNING = time(9, 0)
WAKE_BATCH = 500  # tickets woken per transaction; a pass takes batches until none is due
NEVER_AUTO_RESOLVE = ("snoozed", "merged", "resolved", "spam")


def zone(name: str | None) -> ZoneInfo:
    """The agent's time zone; UTC when unset or unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def preset_until(preset: str, tz_name: str | None, now: datetime | None = None) -> datetime:
    """When a preset ends, as naive UTC: +3 hours, tomorrow 09:00, or next Monday 09:00 local."""
    now = now or clock.now()
    tz = zone(tz_name)
    local = now.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz)
    if preset == "later_today":
        end = (local + timedelta(hours=3)).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    elif preset == "tomorrow":
        end = datetime.combine(local.date() + timedelta(days=1), MORNING, tz)
    elif preset == "next_week":
        end = datetime.combine(local.date() + timedelta(days=7 - local.weekday()), MORNING, tz)
    else:
        raise ValidationError(gettext("Choose when the snooze should end."))
    return end.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def set_timezone(user_id: int, name: str) -> str:
    """Save a teammate's IANA time zone (snooze presets and times use it)."""
    name = (name or "").strip()
    if name != "UTC" and name not in available_timezones():
        raise ValidationError(gettext("“%(name)s” is not a known time zone (e.g. Europe/Paris).", name=name))
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(gettext("That teammate does not exist."))
    user.timezone = name
    db.session.commit()
    return name


def local_time(value: datetime | None, tz_name: str | None) -> str:
    """A naive-UTC time shown in the agent's zone and language: 'Tue, Nov 24, 14:00 (Europe/Paris)'."""
    if value is None:
        return ""
    tz = zone(tz_name)
    return f"{formats.moment(value, tz)} ({tz.key})"


def wake_due(now: datetime | None = None) -> list[int]:
    """Reopen every snooze that has ended, WAKE_BATCH at a time until none is left, and notify."""
    now = now or clock.now()
    woken: list[int] = []
    while True:
        batch, full = _wake_batch(now)
        woken += batch
        if not full:
            return sorted(woken)


def _wake_batch(now: datetime) -> tuple[list[int], bool]:
    """Wake up to WAKE_BATCH due snoozes and notify; returns their ids, and whether it was full."""
    due = db.session.execute(
        select(Ticket.id, Ticket.assignee_id, Ticket.snoozed_by_id, Ticket.subject)
        .where(Ticket.status == "snoozed", Ticket.snoozed_until <= now)
        .order_by(Ticket.id).limit(WAKE_BATCH)).all()
    if not due:
        return [], False
    woken = status.wake_expired_snoozes(now, ids=[row.id for row in due])
    for ticket_id, assignee_id, snoozed_by_id, subject in due:
        who = assignee_id or snoozed_by_id
        if ticket_id in woken and who:
            notifications.notify(who, ticket_id, "snooze_ended",
                                 f"Snooze ended: #{ticket_id} {subject or ''}".strip(), now)
    db.session.commit()
    return woken, len(due) == WAKE_BATCH


def auto_resolve(ticket_id: int, reason: str, now: datetime | None = None) -> Message | None:
    """Resolve after an automatic answer, but never a snoozed (or merged, closed) ticket."""
    now = now or clock.now()
    ticket = status.get_ticket(ticket_id)
    if ticket.status in NEVER_AUTO_RESOLVE:
        return None
    event = status.apply_status(ticket, "resolved", None, None, now, reason=reason)
    db.session.commit()
    return event
