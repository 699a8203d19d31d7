"""What every report reads, aggregated by the database: per-ticket thread facts, and the
measures built on them (response and resolution times, SLA achievement, replies, CSAT),
for the whole workspace or grouped by teammate, tag or inbox.

Thread facts come from one pass over the thread lines of the tickets that moved in the
periods (a line written within one: a first reply, a resolve or a breach always is one), so
a report reads the period's tickets, not the whole history, and once for the period and the
one before it. Every statement selects from
Ticket, so an agent's open access scope narrows it like every other list.
"""
from dataclasses import dataclass, field

from sqlalchemy import (
    Float,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)

from halo.extensions import db
from halo.models import CsatSurvey, Message, SlaPolicy, Ticket, TicketSla, TicketTag
from halo.services.reports.sql import for_reports, percentiles, seconds_between

TEAM_KINDS = ("agent", "ai")
DIMENSIONS = ("teammate", "tag", "inbox")


@dataclass
class Times:
    n: int = 0
    median: float | None = None  # seconds
    p90: float | None = None


@dataclass
class Sla:
    """Clocks that ended in the period under a target, and how many ended within it."""
    first_met: int = 0
    first_total: int = 0
    resolution_met: int = 0
    resolution_total: int = 0

    @staticmethod
    def _share(met, total):
        return 100.0 * met / total if total else None

    @property
    def first(self) -> float | None:
        return self._share(self.first_met, self.first_total)

    @property
    def resolution(self) -> float | None:
        return self._share(self.resolution_met, self.resolution_total)

    @property
    def overall(self) -> float | None:
        return self._share(self.first_met + self.resolution_met, self.first_total + self.resolution_total)


def in_period(column, period):
    return and_(column >= period.start, column < period.end)


def moved(start, end):
    """Tickets with a thread line written in [start, end) (ix_message_created_ticket)."""
    return select(Message.ticket_id).where(Message.created_at >= start, Message.created_at < end)


def thread_facts(start, end):
    """One row per ticket that moved in [start, end): its first customer message, first team
    reply, last resolve and the first breach recorded for each clock."""
    to = Message.event_data["to"].as_string()
    breached = Message.event_data["clock"].as_string()

    def first(condition):
        return func.min(case((condition, Message.created_at)))
    is_breach = and_(Message.kind == "event", Message.event_type == "sla_breach")
    return (select(Message.ticket_id.label("ticket_id"),
                   first(Message.kind == "customer").label("asked"),
                   first(and_(Message.kind.in_(TEAM_KINDS), Message.delivery.is_not(None))).label("answered"),
                   func.max(case((and_(Message.kind == "event", Message.event_type == "status", to == "resolved"),
                                  Message.created_at))).label("resolved"),
                   first(and_(is_breach, breached == "first_response")).label("first_breach"),
                   first(and_(is_breach, breached == "resolution")).label("resolution_breach"))
            .where(Message.ticket_id.in_(moved(start, end)))
            .group_by(Message.ticket_id).subquery("thread"))


def _key(dim: str | None, key_for_teammate=None):
    """The dimension's key column and the join it needs (None, None for the workspace)."""
    if dim is None:
        return None, None
    if dim == "inbox":
        return Ticket.inbox_id, None
    if dim == "teammate":
        return (Ticket.assignee_id if key_for_teammate is None else key_for_teammate), None
    if dim == "tag":
        return TicketTag.tag_id, (TicketTag, TicketTag.ticket_id == Ticket.id)
    raise ValueError(dim)


def _keyed(stmt, dim: str | None, key_for_teammate=None, group: bool = True):
    """stmt (selecting from Ticket) with the dimension's key as column "key": the inbox, the
    assignee, or each tag (a ticket with two tags counts under both)."""
    key, join = _key(dim, key_for_teammate)
    if key is None:
        return stmt
    if join is not None:
        stmt = stmt.join(*join)
    stmt = stmt.add_columns(key.label("key"))
    return stmt.group_by(key) if group else stmt


def _rows(stmt, dim):
    """{key: row} (key None for the whole workspace)."""
    return {(row.key if dim else None): row for row in db.session.execute(stmt)}


@dataclass
class Clocks:
    """One key's clock measures in one period."""
    first_response: Times = field(default_factory=Times)
    resolution: Times = field(default_factory=Times)
    sla: Sla = field(default_factory=Sla)


def clocks(periods, dim: str | None = None) -> list[dict]:
    """Per period (in order), {key: Clocks}, all from one statement that reads the thread
    facts once:

    - first response: the customer's first message to the team's first reply after it,
      for tickets first answered in the period; resolution: creation to the last resolve,
      for tickets resolved (and still resolved) in the period; calendar time.
    - SLA achievement: the first-response and resolution clocks that ended in the period on
      tickets under a policy with that target. A clock ends at the team's first reply (the
      final resolve), or at its breach while it still runs; it is missed when Halo recorded
      a breach for it (an sla_breach line, written by the minute's SLA check), met otherwise.
    """
    for_reports(db.session)
    start, end = min(p.start for p in periods), max(p.end for p in periods)
    t = thread_facts(start, end)

    def span(column):
        return _span(column, periods)
    first_end = case((and_(t.c.answered.is_not(None), t.c.answered >= t.c.asked), t.c.answered),
                     else_=t.c.first_breach)
    resolved = case((Ticket.status == "resolved", t.c.resolved))
    resolution_end = case((Ticket.status == "resolved", t.c.resolved), else_=t.c.resolution_breach)
    # Everything per ticket computed once (a materialised CTE the four parts read).
    f = (select(t.c.ticket_id, Ticket.inbox_id, Ticket.assignee_id,
                span(case((t.c.answered >= t.c.asked, t.c.answered))).label("answered_span"),
                seconds_between(t.c.asked, t.c.answered).label("first_secs"),
                span(resolved).label("resolved_span"),
                seconds_between(Ticket.created_at, t.c.resolved).label("resolution_secs"),
                span(first_end).label("first_end_span"),
                case((t.c.first_breach.is_(None), 1), else_=0).label("first_met"),
                or_(SlaPolicy.first_response_minutes.is_not(None), t.c.first_breach.is_not(None)).label("first_target"),
                span(resolution_end).label("resolution_end_span"),
                case((t.c.resolution_breach.is_(None), 1), else_=0).label("resolution_met"),
                or_(SlaPolicy.resolution_minutes.is_not(None), t.c.resolution_breach.is_not(None)
                    ).label("resolution_target"))
         .select_from(Ticket).join(t, t.c.ticket_id == Ticket.id)
         .outerjoin(TicketSla, TicketSla.ticket_id == Ticket.id)
         .outerjoin(SlaPolicy, SlaPolicy.id == TicketSla.policy_id)
         .cte("facts").prefix_with("MATERIALIZED"))
    key = {None: None, "inbox": f.c.inbox_id, "teammate": f.c.assignee_id, "tag": TicketTag.tag_id}[dim]
    by = ("span", "key") if dim else ("span",)

    def base(*columns):
        stmt = select(*columns).select_from(f)
        if dim == "tag":
            stmt = stmt.join(TicketTag, TicketTag.ticket_id == f.c.ticket_id)
        return stmt.add_columns(key.label("key")) if dim else stmt
    answered = base(f.c.answered_span.label("span"), f.c.first_secs.label("secs")).where(
        f.c.answered_span.is_not(None)).subquery()
    resolved = base(f.c.resolved_span.label("span"), f.c.resolution_secs.label("secs")).where(
        f.c.resolved_span.is_not(None)).subquery()

    def achieved(ended, met, target):
        clock = base(ended.label("span"), met.label("met")).where(ended.is_not(None), target).subquery()
        keys = [clock.c.span, *([clock.c.key] if dim else [])]
        return select(*keys, func.sum(clock.c.met).label("met"), func.count().label("total")).group_by(*keys)

    def labelled(measure, stmt, a, b, c):
        """One shape for every part of the union: measure, span, key, three numbers."""
        sub = stmt.subquery()
        return select(literal(measure).label("measure"), sub.c.span,
                      (sub.c.key if dim else null()).label("key"),
                      cast(sub.c[a], Float).label("a"), cast(sub.c[b], Float).label("b"),
                      cast(sub.c[c], Float).label("c") if c else cast(null(), Float).label("c"))
    parts = [labelled("first", percentiles(answered, by=by), "n", "median", "p90"),
             labelled("resolution", percentiles(resolved, by=by), "n", "median", "p90"),
             labelled("first_sla", achieved(f.c.first_end_span, f.c.first_met, f.c.first_target),
                      "met", "total", None),
             labelled("resolution_sla", achieved(f.c.resolution_end_span, f.c.resolution_met, f.c.resolution_target),
                      "met", "total", None)]
    out = [dict() for _ in periods]
    for row in db.session.execute(union_all(*parts)):
        if row.span is None:
            continue
        item = out[int(row.span)].setdefault(row.key, Clocks())
        if row.measure in ("first", "resolution"):
            setattr(item, "first_response" if row.measure == "first" else "resolution",
                    Times(int(row.a or 0), row.b, row.c))
        elif row.measure == "first_sla":
            item.sla.first_met, item.sla.first_total = int(row.a or 0), int(row.b or 0)
        else:
            item.sla.resolution_met, item.sla.resolution_total = int(row.a or 0), int(row.b or 0)
    return out


def _span(column, periods):
    """Which period a time falls in (0 the first, 1 the next; NULL none)."""
    return case(*((in_period(column, p), i) for i, p in enumerate(periods)))


def _per_period(inner, periods, dim, *aggregates) -> list[dict]:
    """Group a subquery with columns span (and key) by them: per period, {key: row}."""
    keys = [inner.c.span, *([inner.c.key] if dim else [])]
    out = [dict() for _ in periods]
    for row in db.session.execute(select(*keys, *aggregates).group_by(*keys)):
        if row.span is not None:
            out[int(row.span)][row.key if dim else None] = row
    return out


def _within(column, periods):
    return and_(column >= min(p.start for p in periods), column < max(p.end for p in periods))


def new_tickets(periods, dim: str | None = None) -> list[dict]:
    """Tickets created in each period: [{key: n}]."""
    inner = _keyed(select(_span(Ticket.created_at, periods).label("span")).select_from(Ticket)
                   .where(_within(Ticket.created_at, periods)), dim, group=False).subquery()
    return [{k: int(r.n) for k, r in found.items()}
            for found in _per_period(inner, periods, dim, func.count().label("n"))]


def replies(periods, dim: str | None = None) -> list[dict]:
    """Tickets the team replied to in each period (handled) and the replies sent:
    [{key: (handled, replies)}]; per teammate by who wrote the reply."""
    inner = _keyed(select(_span(Message.created_at, periods).label("span"), Message.ticket_id)
                   .select_from(Ticket).join(Message, Message.ticket_id == Ticket.id)
                   .where(Message.kind.in_(TEAM_KINDS), Message.delivery.is_not(None),
                          _within(Message.created_at, periods)),
                   dim, key_for_teammate=Message.author_id, group=False).subquery()
    return [{k: (int(r.handled), int(r.replies)) for k, r in found.items()}
            for found in _per_period(inner, periods, dim, func.count(func.distinct(inner.c.ticket_id)).label("handled"),
                                     func.count().label("replies"))]


def csat(periods, dim: str | None = None) -> list[dict]:
    """Answers given in each period and how many were Good: [{key: (good, answered)}]."""
    inner = _keyed(select(_span(CsatSurvey.rated_at, periods).label("span"),
                          case((CsatSurvey.rating == "good", 1), else_=0).label("good"))
                   .select_from(Ticket).join(CsatSurvey, CsatSurvey.ticket_id == Ticket.id)
                   .where(_within(CsatSurvey.rated_at, periods), CsatSurvey.rating.is_not(None)),
                   dim, group=False).subquery()
    return [{k: (int(r.good or 0), int(r.answered)) for k, r in found.items()}
            for found in _per_period(inner, periods, dim, func.sum(inner.c.good).label("good"),
                                     func.count().label("answered"))]
