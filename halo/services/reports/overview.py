"""The overview report: volume by day and channel, first response and resolution times
(median and 90th percentile), SLA achievement, customer satisfaction, backlog by status;
each beside the period before."""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext
from sqlalchemy import func, select

from halo import clock
from halo.extensions import db
from halo.models import CHANNELS, STATUS_LABELS, Ticket
from halo.services.errors import ValidationError
from halo.services.reports import facts
from halo.services.reports.csat import Satisfaction, satisfaction
from halo.services.reports.facts import Sla, Times

MAX_DAYS = 366
BACKLOG = ("open", "priority", "in_progress", "snoozed")


@dataclass(frozen=True)
class Period:
    """Whole UTC days, first to last included."""
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, datetime.min.time())

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), datetime.min.time())

    def before(self) -> "Period":
        """The period of the same length just before this one."""
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    def each_day(self):
        return (self.first + timedelta(days=i) for i in range(self.days))


def parse_period(first: str | None, last: str | None, today: date | None = None) -> Period:
    """?from=YYYY-MM-DD&to=YYYY-MM-DD; the last 30 days by default."""
    today = today or clock.now().date()
    try:
        end = date.fromisoformat(last) if last else today
        start = date.fromisoformat(first) if first else end - timedelta(days=29)
    except ValueError:
        raise ValidationError(gettext("Dates are written YYYY-MM-DD.")) from None
    if start > end:
        raise ValidationError(gettext("The period starts after it ends."))
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationError(gettext("A report covers at most %(MAX_DAYS)s days.", MAX_DAYS=MAX_DAYS))
    return Period(start, end)


@dataclass
class Overview:
    period: Period
    volume: dict[date, dict[str, int]] = field(default_factory=dict)
    total: int = 0
    first_response: Times = field(default_factory=Times)
    resolution: Times = field(default_factory=Times)
    backlog: dict[str, int] = field(default_factory=dict)
    csat: Satisfaction = field(default_factory=Satisfaction)
    sla: Sla = field(default_factory=Sla)


def volume(period: Period) -> tuple[dict[date, dict[str, int]], int]:
    """New tickets per day and channel (merged ones counted where they began)."""
    day = func.date(Ticket.created_at)
    rows = db.session.execute(
        select(day, Ticket.channel, func.count(Ticket.id))
        .where(Ticket.created_at >= period.start, Ticket.created_at < period.end)
        .group_by(day, Ticket.channel)).all()
    out = {d: {c: 0 for c in CHANNELS} for d in period.each_day()}
    total = 0
    for when, channel, n in rows:
        when = when if isinstance(when, date) else date.fromisoformat(str(when))
        out.setdefault(when, {c: 0 for c in CHANNELS})[channel] = n
        total += n
    return out, total


def first_response_times(period: Period) -> Times:
    """From a ticket's first customer message to the team's first reply after it, for the
    tickets first answered within the period (calendar time)."""
    return _clocks([period])[0].first_response


def resolution_times(period: Period) -> Times:
    """From creation to being resolved, for tickets resolved within the period (their last
    resolve, so a reopened ticket counts once, when it was finally resolved)."""
    return _clocks([period])[0].resolution


def sla_achievement(period: Period) -> Sla:
    """The share of first-response and resolution clocks met (facts.clocks says what counts)."""
    return _clocks([period])[0].sla


def _clocks(periods) -> list[facts.Clocks]:
    return [found.get(None, facts.Clocks()) for found in facts.clocks(periods)]


def backlog() -> dict[str, int]:
    """Tickets waiting now, by status."""
    rows = db.session.execute(select(Ticket.status, func.count(Ticket.id))
                              .where(Ticket.status.in_(BACKLOG)).group_by(Ticket.status)).all()
    counts = dict(rows)
    return {STATUS_LABELS[s]: counts.get(s, 0) for s in BACKLOG}


def overview(period: Period, with_backlog: bool = True, clocks: facts.Clocks | None = None) -> Overview:
    days, total = volume(period)
    clocks = clocks or _clocks([period])[0]
    return Overview(period, days, total, clocks.first_response, clocks.resolution,
                    backlog() if with_backlog else {}, satisfaction(period), clocks.sla)


def compare(period: Period) -> tuple[Overview, Overview]:
    """This period and the one before it (the backlog is now's, shown once); the clocks of
    both in one statement."""
    prior = period.before()
    now, before = _clocks([period, prior])
    return overview(period, clocks=now), overview(prior, with_backlog=False, clocks=before)
