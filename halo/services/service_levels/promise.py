"""What the chat widget tells a visitor about the team's hours, in words.

Open, with a reply time set: "We usually reply within 2 hours". Closed: "We're back
Monday at 9:00", in the visitor's time zone when the widget said which (an IANA name the
server knows), else in the schedule's, named. Open with no reply time, or a schedule that
never opens: nothing to say (None).
"""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import format_date, gettext, ngettext

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
        return ngettext("%(num)s day", "%(num)s days", n // 24)
    return ngettext("%(num)s hour", "%(num)s hours", n)


def _when(at_utc: datetime, now_utc: datetime, tz: ZoneInfo) -> str:
    """'today at 9:00', 'tomorrow at 9:00', 'Monday at 9:00' or 'on 28 December at 9:00'."""
    local = at_utc.replace(tzinfo=timezone.utc).astimezone(tz)
    today = now_utc.replace(tzinfo=timezone.utc).astimezone(tz).date()
    days = (local.date() - today).days
    time = f"{local.hour}:{local.minute:02d}"
    if days <= 0:
        return gettext("today at %(time)s", time=time)
    if days == 1:
        return gettext("tomorrow at %(time)s", time=time)
    # Day and month names in the widget's language (Babel's, Flask-Babel's locale).
    if days < 7:
        return gettext("%(day)s at %(time)s", day=format_date(local, "EEEE", rebase=False), time=time)
    return gettext("on %(date)s at %(time)s", date=format_date(local, "d MMMM", rebase=False), time=time)


def line(found: Availability, now: datetime, visitor_tz: ZoneInfo | None = None) -> str | None:
    """The sentence for the widget, or None."""
    if found.open:
        return gettext("We usually reply within %(time)s", time=_hours(found.reply_hours)) if found.reply_hours else None
    if found.next_open is None:
        return None
    if visitor_tz is not None:
        return gettext("We're back %(when)s", when=_when(found.next_open, now, visitor_tz))
    return gettext("We're back %(when)s (%(zone)s time)", when=_when(found.next_open, now, ZoneInfo(found.timezone)),
                   zone=found.timezone)


def for_widget(tz_name=None, now: datetime | None = None) -> dict:
    """The chat inbox's availability as the welcome frame carries it, with its sentence."""
    now = now or clock.now()
    found = availability(inboxes.inbox_for_chat(), now)
    return {**found.as_json(), "text": line(found, now, visitor_zone(tz_name))}


_THIS_MINUTE: dict = {}  # (minute, zone, language) -> for_widget(); emptied when the minute turns


def this_minute(tz_name, locale: str, now: datetime | None = None) -> dict:
    """for_widget() as open widgets re-read it each minute: once per minute, zone and
    language in a process, however many widgets are open (the hours change on the minute)."""
    now = now or clock.now()
    minute = now.replace(second=0, microsecond=0)
    key = (minute, tz_name if visitor_zone(tz_name) else None, locale)
    found = _THIS_MINUTE.get(key)
    if found is None:
        if any(k[0] != minute for k in _THIS_MINUTE) or len(_THIS_MINUTE) > 1000:
            _THIS_MINUTE.clear()
        found = _THIS_MINUTE[key] = for_widget(tz_name, now)
    return found
