"""What the chat widget tells a visitor about the team's hours, in words.

Open, with a reply time set: "We usually reply within 2 hours". Closed: "We're back
Monday at 9:00", in the visitor's time zone when the widget said which (an IANA name the
server knows), else in the schedule's, named. Open with no reply time, or a schedule that
never opens: nothing to say (None).
"""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from halo import clock
from halo.services.access import inboxes
from halo.services.service_levels.schedules import Availability, availability

MAX_TZ = 64


def visitor_zone(name) -> ZoneInfo | None:
    """The visitor's zone from the widget's hello, or None when missing or unknown here."""
    if not isinstance(name, str) or not name or len(name) > MAX_TZ:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _hours(n: int) -> str:
    if n % 24 == 0 and n >= 48:
        return f"{n // 24} days"
    return "1 hour" if n == 1 else f"{n} hours"


def _when(at_utc: datetime, now_utc: datetime, tz: ZoneInfo) -> str:
    """'today at 9:00', 'tomorrow at 9:00', 'Monday at 9:00' or 'on 28 December at 9:00'."""
    local = at_utc.replace(tzinfo=timezone.utc).astimezone(tz)
    today = now_utc.replace(tzinfo=timezone.utc).astimezone(tz).date()
    days = (local.date() - today).days
    time = f"{local.hour}:{local.minute:02d}"
    if days <= 0:
        return f"today at {time}"
    if days == 1:
        return f"tomorrow at {time}"
    if days < 7:
        return f"{local.strftime('%A')} at {time}"
    return f"on {local.day} {local.strftime('%B')} at {time}"


def line(found: Availability, now: datetime, visitor_tz: ZoneInfo | None = None) -> str | None:
    """The sentence for the widget, or None."""
    if found.open:
        return f"We usually reply within {_hours(found.reply_hours)}" if found.reply_hours else None
    if found.next_open is None:
        return None
    if visitor_tz is not None:
        return f"We're back {_when(found.next_open, now, visitor_tz)}"
    return f"We're back {_when(found.next_open, now, ZoneInfo(found.timezone))} ({found.timezone} time)"


def for_widget(tz_name=None, now: datetime | None = None) -> dict:
    """The chat inbox's availability as the welcome frame carries it, with its sentence."""
    now = now or clock.now()
    found = availability(inboxes.inbox_for_chat(), now)
    return {**found.as_json(), "text": line(found, now, visitor_zone(tz_name))}
