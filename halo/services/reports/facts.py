"""What every report reads, aggregated by the database: per-ticket thread facts, and the
measures built on them (response and resolution times, SLA achievement, replies, CSAT),
for the whole workspace or grouped by teammate, tag or inbox.

Thread facts come from one pass over the thread lines of the tickets that moved in the
period (a line written within it: a first reply, a resolve or a breach always is one), so
a report reads the period's tickets, not the whole history. Every statement selects from
Ticket, so an agent's open access scope narrows it like every other list.
"""
from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select

from halo.extensions import db
from halo.models import CsatSurvey, Message, SlaPolicy, Ticket, TicketSla, TicketTag
from halo.services.reports.sql import percentiles, seconds_between

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


def moved(period):
    """Tickets with a thread line written in the period (ix_message_created_ticket)."""
    return select(Message.ticket_id).where(in_period(Message.created_at, period))


def thread_facts(period):
    """One row per moved ticket: its first customer message, first team reply, last resolve
    and the first breach recorded for each clock (a subquery, "facts")."""
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
            .where(Message.ticket_id.in_(moved(period)))
            .group_by(Message.ticket_id).subquery("facts"))


def _keyed(stmt, dim: str | None, key_for_teammate=None, group: bool = True):
    """stmt (selecting from Ticket) with the dimension's key as its first column "key":
    the inbox, the assignee, or each tag (a ticket with two tags counts under both)."""
    if dim is None:
        return stmt
    if dim == "inbox":
        key = Ticket.inbox_id
    elif dim == "teammate":
        key = Ticket.assignee_id if key_for_teammate is None else key_for_teammate
    elif dim == "tag":
        key = TicketTag.tag_id
        stmt = stmt.join(TicketTag, TicketTag.ticket_id == Ticket.id)
    else:
        raise ValueError(dim)
    stmt = stmt.add_columns(key.label("key"))
    return stmt.group_by(key) if group else stmt


def _rows(stmt, dim):
    """{key: row} (key None for the whole workspace)."""
    return {(row.key if dim else None): row for row in db.session.execute(stmt)}


def times(period, dim: str | None = None) -> tuple[dict, dict]:
    """First response (customer's first message to the team's first reply after it, for
    tickets first answered in the period) and resolution (creation to the last resolve,
    for tickets resolved in the period), calendar time, as {key: Times} each."""
    facts = thread_facts(period)
    by = "key" if dim else None
    answered = _keyed(select(seconds_between(facts.c.asked, facts.c.answered).label("secs"))
                      .select_from(Ticket).join(facts, facts.c.ticket_id == Ticket.id)
                      .where(facts.c.answered >= facts.c.asked, in_period(facts.c.answered, period)), dim, group=False)
    resolved = _keyed(select(seconds_between(Ticket.created_at, facts.c.resolved).label("secs"))
                      .select_from(Ticket).join(facts, facts.c.ticket_id == Ticket.id)
                      .where(Ticket.status == "resolved", in_period(facts.c.resolved, period)), dim, group=False)
    out = []
    for stmt in (answered, resolved):
        rows = _rows(percentiles(stmt.subquery(), by=by), dim)
        out.append({k: Times(r.n or 0, r.median, r.p90) for k, r in rows.items()})
    return out[0], out[1]


def sla(period, dim: str | None = None) -> dict:
    """SLA achievement: the first-response and resolution clocks that ended in the period
    on tickets under a policy with that target, and how many were met. A clock ends when
    the team first replies (or resolves) in the period, or when it is breached in the period
    and still runs; it counts as missed when Halo recorded a breach for it (an sla_breach
    line, written by the minute's SLA check), met otherwise. {key: Sla}."""
    f = thread_facts(period)
    first_target = or_(SlaPolicy.first_response_minutes.is_not(None), f.c.first_breach.is_not(None))
    resolution_target = or_(SlaPolicy.resolution_minutes.is_not(None), f.c.resolution_breach.is_not(None))
    first_ended = or_(and_(in_period(f.c.answered, period), f.c.answered >= f.c.asked, first_target),
                      and_(or_(f.c.answered.is_(None), f.c.answered < f.c.asked),
                           in_period(f.c.first_breach, period)))
    resolution_ended = or_(and_(Ticket.status == "resolved", in_period(f.c.resolved, period), resolution_target),
                           and_(Ticket.status != "resolved", in_period(f.c.resolution_breach, period)))

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
    stmt = _keyed(select(count(and_(first_ended, f.c.first_breach.is_(None))).label("first_met"),
                         count(first_ended).label("first_total"),
                         count(and_(resolution_ended, f.c.resolution_breach.is_(None))).label("resolution_met"),
                         count(resolution_ended).label("resolution_total"))
                  .select_from(Ticket).join(f, f.c.ticket_id == Ticket.id)
                  .outerjoin(TicketSla, TicketSla.ticket_id == Ticket.id)
                  .outerjoin(SlaPolicy, SlaPolicy.id == TicketSla.policy_id), dim)
    return {k: Sla(int(r.first_met), int(r.first_total), int(r.resolution_met), int(r.resolution_total))
            for k, r in _rows(stmt, dim).items()}


def new_tickets(period, dim: str | None = None) -> dict:
    """Tickets created in the period: {key: n}."""
    stmt = _keyed(select(func.count(Ticket.id).label("n")).select_from(Ticket)
                  .where(in_period(Ticket.created_at, period)), dim)
    return {k: int(r.n) for k, r in _rows(stmt, dim).items()}


def replies(period, dim: str | None = None) -> dict:
    """Tickets the team replied to in the period (handled) and the replies sent:
    {key: (handled, replies)}; per teammate by who wrote the reply."""
    stmt = _keyed(select(func.count(func.distinct(Message.ticket_id)).label("handled"),
                         func.count(Message.id).label("replies"))
                  .select_from(Ticket).join(Message, Message.ticket_id == Ticket.id)
                  .where(Message.kind.in_(TEAM_KINDS), Message.delivery.is_not(None),
                         in_period(Message.created_at, period)), dim, key_for_teammate=Message.author_id)
    return {k: (int(r.handled), int(r.replies)) for k, r in _rows(stmt, dim).items()}


def csat(period, dim: str | None = None) -> dict:
    """Answers given in the period and how many were Good: {key: (good, answered)}."""
    rated = in_period(CsatSurvey.rated_at, period)
    stmt = _keyed(select(func.coalesce(func.sum(case((CsatSurvey.rating == "good", 1), else_=0)), 0).label("good"),
                         func.count(CsatSurvey.id).label("answered"))
                  .select_from(Ticket).join(CsatSurvey, CsatSurvey.ticket_id == Ticket.id)
                  .where(rated, CsatSurvey.rating.is_not(None)), dim)
    return {k: (int(r.good), int(r.answered)) for k, r in _rows(stmt, dim).items()}
