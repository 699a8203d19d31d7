"""Business hours as the admin keeps them: one schedule per inbox, or the workspace's.

Days are typed as a person writes them ("09:00-12:00, 13:00-17:30", "closed") and closed
days one per line ("2026-12-25 Christmas", "2026-12-24..2026-12-31 Winter break"); every
mistake is a ValidationError naming the day or line, and nothing is saved.
"""
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_babel import gettext
from sqlalchemy import select, update

from halo import clock, formats
from halo.extensions import db
from halo.models import BusinessHoliday, BusinessHours, Inbox, TicketSla
from halo.services.errors import NotFound, ValidationError
from halo.services.service_levels.hours import Schedule

_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?$")
_RANGE = re.compile(r"^(.+?)\s*(?:-|–|—|to)\s*(.+)$")
_HOLIDAY = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\s*\.\.\s*(\d{4}-\d{2}-\d{2}))?\s*(.*)$")
MAX_HOLIDAY_SPAN = 366
MAX_REPLY_HOURS = 24 * 14


def parse_time(text: str, day: str, end: bool) -> int:
    """'9', '09:30', '24:00' (an end only) as minutes after midnight."""
    m = _TIME.match(text.strip())
    hours, minutes = (int(m.group(1)), int(m.group(2) or 0)) if m else (None, None)
    if m is None or minutes > 59 or hours > 24 or (hours == 24 and (minutes or not end)):
        raise ValidationError(gettext("%(day)s: “%(strip)s” is not a time of day (HH:MM, 00:00 to 24:00).", day=day, strip=text.strip()))
    return hours * 60 + minutes


def parse_day(text: str, day: str | None = None) -> tuple[tuple[int, int], ...]:
    """One day's open intervals, sorted, overlapping or touching ones joined; day names the
    day in an error."""
    day = day or gettext("That day")
    text = (text or "").strip()
    if not text or text.lower() in ("closed", "-", "none"):
        return ()
    spans = []
    for part in re.split(r"[,;]", text):
        part = part.strip()
        if not part:
            continue
        m = _RANGE.match(part)
        if m is None:
            raise ValidationError(gettext("%(day)s: write “%(part)s” as a range, e.g. 09:00-17:00.", day=day, part=part))
        start, stop = parse_time(m.group(1), day, end=False), parse_time(m.group(2), day, end=True)
        if stop <= start:
            raise ValidationError(gettext("%(day)s: “%(part)s” ends before it starts (for a night shift, end this day at 24:00 and start the next at 00:00).", day=day, part=part))
        spans.append((start, stop))
    joined: list[list[int]] = []
    for start, stop in sorted(spans):
        if joined and start <= joined[-1][1]:
            joined[-1][1] = max(joined[-1][1], stop)
        else:
            joined.append([start, stop])
    return tuple((a, b) for a, b in joined)


def format_day(spans) -> str:
    """The inverse of parse_day, for the form."""
    if not spans:
        return "closed"
    return ", ".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in spans)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_holidays(text: str) -> dict[date, str]:
    """Closed days, one per line: a date or a range (both ends included) and a name.
    Overlapping lines are fine: a day closed twice is closed."""
    days: dict[date, str] = {}
    for number, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        m = _HOLIDAY.match(line)
        try:
            first = date.fromisoformat(m.group(1)) if m else None
            last = date.fromisoformat(m.group(2)) if m and m.group(2) else first
        except ValueError:
            first = None
        if first is None:
            raise ValidationError(gettext("Closed days, line %(number)s: “%(line)s” should start with a date (YYYY-MM-DD, or YYYY-MM-DD..YYYY-MM-DD).", number=number, line=line))
        if last < first or (last - first).days >= MAX_HOLIDAY_SPAN:
            raise ValidationError(gettext("Closed days, line %(number)s: the range must run forwards and cover at most %(MAX_HOLIDAY_SPAN)s days.", number=number, MAX_HOLIDAY_SPAN=MAX_HOLIDAY_SPAN))
        name = m.group(3).strip()[:120]
        day = first
        while day <= last:
            days.setdefault(day, name)
            day += timedelta(days=1)
    return days


def format_holidays(holidays) -> str:
    return "\n".join(f"{h.day.isoformat()} {h.name}".rstrip() for h in holidays)


def check_timezone(name: str) -> str:
    name = (name or "").strip()
    if name != "UTC" and name not in available_timezones():
        raise ValidationError(gettext("“%(name)s” is not a known time zone (e.g. Europe/Paris, America/New_York).", name=name))
    return name


def _row(inbox_id: int | None) -> BusinessHours | None:
    return db.session.scalar(select(BusinessHours).where(
        BusinessHours.inbox_id.is_(None) if inbox_id is None else BusinessHours.inbox_id == inbox_id))


def schedule_of(row: BusinessHours) -> Schedule:
    """A stored schedule as arithmetic."""
    try:
        tz = ZoneInfo(row.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    week = tuple(tuple((int(a), int(b)) for a, b in day) for day in json.loads(row.week))
    return Schedule(tz, week, frozenset(h.day for h in row.holidays))


def schedule_for(inbox_id: int | None) -> Schedule | None:
    """The inbox's own schedule, else the workspace's; None: open around the clock."""
    row = (_row(inbox_id) if inbox_id is not None else None) or _row(None)
    return schedule_of(row) if row is not None else None


@dataclass
class Form:
    """What the settings page shows for one schedule (its own, inherited or none)."""
    inbox_id: int | None
    own: bool
    timezone: str
    days: list[str]
    holidays: str
    reply_hours: int | None


def form_for(inbox_id: int | None) -> Form:
    row = _row(inbox_id)
    source = row or (_row(None) if inbox_id is not None else None)
    if source is None:
        return Form(inbox_id, False, "UTC", ["09:00-17:00"] * 5 + ["closed"] * 2, "", None)
    week = json.loads(source.week)
    return Form(inbox_id, row is not None, source.timezone, [format_day(d) for d in week],
                format_holidays(source.holidays), source.reply_hours)


def save(inbox_id: int | None, timezone: str, days: list[str], holidays: str,
         reply_hours: str | int | None) -> BusinessHours:
    """Validate everything, then replace the schedule in one commit."""
    if inbox_id is not None and db.session.get(Inbox, inbox_id) is None:
        raise NotFound(gettext("That inbox does not exist."))
    if len(days) != 7:
        raise ValidationError(gettext("Give the hours of all seven days."))
    tz = check_timezone(timezone)
    names = formats.weekday_names()
    week = [parse_day(text, names[i]) for i, text in enumerate(days)]
    closed = parse_holidays(holidays)
    hours = _reply_hours(reply_hours)
    row = _row(inbox_id) or BusinessHours(inbox_id=inbox_id)
    row.timezone, row.week, row.reply_hours = tz, json.dumps([[list(s) for s in d] for d in week]), hours
    row.updated_at = clock.now()
    row.holidays = [BusinessHoliday(day=d, name=n) for d, n in sorted(closed.items())]
    db.session.add(row)
    mark_stale()
    db.session.commit()
    return row


def mark_stale() -> None:
    """Every stored SLA due time is stale once hours or policies change: the next check
    (within a minute) recomputes them all."""
    db.session.execute(update(TicketSla).values(thread_rev=-1))


def _reply_hours(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        hours = int(str(value).strip())
    except ValueError:
        raise ValidationError(gettext("“Usually reply within” is a whole number of hours.")) from None
    if not 1 <= hours <= MAX_REPLY_HOURS:
        raise ValidationError(gettext("“Usually reply within” is between 1 and %(MAX_REPLY_HOURS)s hours.", MAX_REPLY_HOURS=MAX_REPLY_HOURS))
    return hours


def clear(inbox_id: int | None) -> None:
    """Drop the inbox's own schedule (it follows the workspace's again)."""
    row = _row(inbox_id)
    if row is not None:
        db.session.delete(row)
        mark_stale()
        db.session.commit()


@dataclass(frozen=True)
class Availability:
    """What the widget may tell a visitor."""
    open: bool
    next_open: datetime | None  # naive UTC; None while open or when never open
    reply_hours: int | None
    timezone: str = "UTC"  # the schedule's

    def as_json(self) -> dict:
        return {"open": self.open, "reply_hours": self.reply_hours, "timezone": self.timezone,
                "next_open": self.next_open.isoformat() + "Z" if self.next_open else None}


def availability(inbox_id: int | None, now: datetime | None = None) -> Availability:
    """Open now? If not, when; and the reply time the team promises while open."""
    now = now or clock.now()
    row = (_row(inbox_id) if inbox_id is not None else None) or _row(None)
    if row is None:
        return Availability(True, None, None)
    schedule = schedule_of(row)
    if schedule.is_open(now):
        return Availability(True, None, row.reply_hours, schedule.tz.key)
    return Availability(False, schedule.next_open(now), row.reply_hours, schedule.tz.key)
