"""Business hours as arithmetic: which instants a schedule is open, how much open time lies
between two instants, and when a given amount of open time will have passed.

A schedule is a week of open intervals in local wall-clock time (minutes from midnight,
24:00 allowed as an end), a time zone and closed days (holidays, as local dates). Every
instant in and out is naive UTC, as stored. Intervals are laid on each local date and only
then turned into UTC, so a 09:00-17:00 day is 8 hours on the day the clocks change too, and
a night interval across the spring-forward gap lasts the hour that really passes.
"""
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

UTC = ZoneInfo("UTC")
DAY_MINUTES = 24 * 60
# How far ahead a due time is looked for: a schedule closed for longer than this (every day
# a holiday) has no due time rather than a search without end.
HORIZON_DAYS = 3 * 366

Week = tuple[tuple[tuple[int, int], ...], ...]  # Monday first; (start, end) minutes per day


@dataclass(frozen=True)
class Schedule:
    """When a team is open. Intervals per weekday are sorted and do not overlap."""
    tz: ZoneInfo
    week: Week
    holidays: frozenset[date] = field(default_factory=frozenset)

    @property
    def never_open(self) -> bool:
        return not any(self.week)

    def is_open(self, at: datetime) -> bool:
        """Whether the instant (naive UTC) falls in open time."""
        return any(start <= at < end for start, end in self.intervals(at - timedelta(days=1), at + timedelta(days=1)))

    def intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open intervals that meet [start, end), clipped to it, in order (naive UTC)."""
        day = _local_date(start, self.tz) - timedelta(days=1)  # an interval may start the day before
        last = _local_date(end, self.tz)
        while day <= last:
            for a, b in self._day(day):
                lo, hi = max(a, start), min(b, end)
                if lo < hi:
                    yield lo, hi
            day += timedelta(days=1)

    def _day(self, day: date) -> list[tuple[datetime, datetime]]:
        if day in self.holidays:
            return []
        return [(_utc(day, a, self.tz), _utc(day, b, self.tz)) for a, b in self.week[day.weekday()]]

    def open_seconds(self, start: datetime, end: datetime) -> float:
        """Seconds of open time between two instants (0 when end is not after start)."""
        if end <= start:
            return 0.0
        return sum((hi - lo).total_seconds() for lo, hi in self.intervals(start, end))

    def after(self, start: datetime, seconds: float) -> datetime | None:
        """The instant at which `seconds` of open time have passed since start; None when
        the schedule is never open within the horizon."""
        if seconds <= 0:
            return start if seconds == 0 else None
        if self.never_open:
            return None
        left = timedelta(seconds=seconds)
        day = _local_date(start, self.tz) - timedelta(days=1)
        for _ in range(HORIZON_DAYS):
            for a, b in self._day(day):
                lo = max(a, start)
                if lo >= b:
                    continue
                if b - lo >= left:
                    return lo + left
                left -= b - lo
            day += timedelta(days=1)
        return None

    def next_open(self, at: datetime) -> datetime | None:
        """`at` itself when open, else the start of the next open interval (None: never)."""
        if self.never_open:
            return None
        day = _local_date(at, self.tz) - timedelta(days=1)
        for _ in range(HORIZON_DAYS):
            for a, b in self._day(day):
                if b > at:
                    return max(a, at)
            day += timedelta(days=1)
        return None


def _local_date(at: datetime, tz: ZoneInfo) -> date:
    return at.replace(tzinfo=UTC).astimezone(tz).date()


def _utc(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    """Local wall-clock `minutes` after midnight of `day` (1440: the next midnight), as naive UTC."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
    return wall.replace(tzinfo=tz).astimezone(UTC).replace(tzinfo=None)


def always(tz: str = "UTC") -> Schedule:
    """Open around the clock (no business hours set): open time is calendar time."""
    return Schedule(ZoneInfo(tz), tuple(((0, DAY_MINUTES),) for _ in range(7)))
