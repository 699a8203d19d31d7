"""SLA policies and each ticket's clocks: which policy applies, what its clocks read, breaches.

The ticket page computes a ticket's clocks afresh from its thread (clocks.py). The inbox
sorts and filters by the stored due time (TicketSla), which the schedule's `sla-check` job
keeps current: every minute it recomputes the tickets whose thread moved since (their
thread_rev), then records a breach for every running clock whose due time has passed: an
event line in the thread, a notification to the assignee (or every teammate who sees the
ticket when it has none), and Priority when the policy says so. A workspace without
policies costs one short query a minute.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select

from halo import clock
from halo.extensions import db
from halo.models import Customer, Message, SlaPolicy, Ticket, TicketSla, User
from halo.services.access import scope
from halo.services.service_levels import schedules
from halo.services.service_levels.clocks import (
    LABELS,
    Clock,
    Line,
    Targets,
    compute,
    earliest_due,
)
from halo.services.service_levels.hours import Schedule
from halo.services.tickets import notifications, status

BATCH = 500
TEAM_VISIBLE = ("agent", "ai")


@dataclass
class Evaluation:
    """A ticket's clocks, with what they were computed from (the "why" panel)."""
    policy: SlaPolicy | None
    schedule: Schedule | None
    clocks: list[Clock]

    @property
    def due(self) -> Clock | None:
        return earliest_due(self.clocks)


def policies() -> list[SlaPolicy]:
    return list(db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.id)))


def matches(policy: SlaPolicy, ticket: Ticket, customer: Customer | None) -> bool:
    """Every condition the policy sets holds for the ticket as it stands."""
    if not policy.active:
        return False
    if policy.priority_only and ticket.status != "priority":
        return False
    if policy.channel and ticket.channel != policy.channel:
        return False
    if policy.inbox_id and getattr(ticket, "inbox_id", None) != policy.inbox_id:
        return False
    if policy.trait_key:
        traits = (customer.traits if customer is not None else None) or {}
        if str(traits.get(policy.trait_key, "")).strip().lower() != (policy.trait_value or "").strip().lower():
            return False
    return True


def policy_for(ticket: Ticket, candidates: list[SlaPolicy] | None = None) -> SlaPolicy | None:
    candidates = policies() if candidates is None else candidates
    return next((p for p in candidates if matches(p, ticket, ticket.customer)), None)


def lines_of(ticket_id: int) -> list[Line]:
    """What the clocks read: customer messages, the team's replies (not notes, not drafts),
    and status changes, in thread order."""
    rows = db.session.execute(
        select(Message.kind, Message.created_at, Message.event_type, Message.event_data)
        .where(Message.ticket_id == ticket_id,
               or_(Message.kind.in_(("customer",) + TEAM_VISIBLE),
                   and_(Message.kind == "event", Message.event_type == "status")))
        .order_by(Message.created_at, Message.id)).all()
    out = []
    for kind, at, event_type, data in rows:
        if kind == "event":
            out.append(Line(at, "status", (data or {}).get("to")))
        else:
            out.append(Line(at, kind))
    return out


def evaluate(ticket: Ticket, now: datetime | None = None,
             candidates: list[SlaPolicy] | None = None) -> Evaluation:
    """The ticket's clocks under the policy that applies (no policy: no clocks)."""
    now = now or clock.now()
    policy = policy_for(ticket, candidates)
    if policy is None:
        return Evaluation(None, None, [])
    schedule = schedules.schedule_for(getattr(ticket, "inbox_id", None))
    targets = Targets(policy.first_response_minutes, policy.next_response_minutes, policy.resolution_minutes)
    return Evaluation(policy, schedule, compute(lines_of(ticket.id), targets, schedule, now))


def refresh(ticket_ids, now: datetime | None = None) -> int:
    """Recompute and store the due time of these tickets (no commit); returns how many."""
    now = now or clock.now()
    candidates = policies()
    done = 0
    for ticket in db.session.scalars(select(Ticket).where(Ticket.id.in_(list(ticket_ids))).execution_options(
            halo_unscoped=True)):
        result = evaluate(ticket, now, candidates)
        row = db.session.get(TicketSla, ticket.id) or TicketSla(ticket_id=ticket.id)
        due = result.due
        row.policy_id = result.policy.id if result.policy else None
        row.due_at, row.due_clock = (due.due_at, due.name) if due else (None, None)
        row.thread_rev, row.computed_at = ticket.thread_rev, now
        db.session.add(row)
        done += 1
    return done


def stale_ticket_ids(limit: int = BATCH) -> list[int]:
    """Tickets whose thread moved since their clocks were stored, or open ones never computed."""
    moved = select(TicketSla.ticket_id).join(Ticket, Ticket.id == TicketSla.ticket_id).where(
        TicketSla.thread_rev != Ticket.thread_rev).limit(limit)
    fresh = select(Ticket.id).outerjoin(TicketSla, TicketSla.ticket_id == Ticket.id).where(
        Ticket.bucket == "open", TicketSla.ticket_id.is_(None)).limit(limit)
    ids = list(db.session.scalars(moved.execution_options(halo_unscoped=True)))
    if len(ids) < limit:
        ids += db.session.scalars(fresh.limit(limit - len(ids)).execution_options(halo_unscoped=True)).all()
    return ids


def check(now: datetime | None = None) -> dict:
    """The schedule's minute: recompute what moved, then record every new breach."""
    now = now or clock.now()
    if db.session.scalar(select(SlaPolicy.id).where(SlaPolicy.active.is_(True)).limit(1)) is None:
        return {"refreshed": 0, "breached": 0}
    refreshed = 0
    while True:
        ids = stale_ticket_ids()
        if not ids:
            break
        refreshed += refresh(ids, now)
        db.session.commit()
        if len(ids) < BATCH:
            break
    breached = record_breaches(now)
    return {"refreshed": refreshed, "breached": breached}


def record_breaches(now: datetime) -> int:
    """One breach per clock cycle: an event line, notifications, Priority if the policy says."""
    rows = db.session.execute(
        select(TicketSla, Ticket).join(Ticket, Ticket.id == TicketSla.ticket_id)
        .where(TicketSla.due_at <= now,
               or_(TicketSla.breach_due_at.is_(None), TicketSla.breach_due_at != TicketSla.due_at))
        .order_by(TicketSla.due_at).limit(BATCH).execution_options(halo_unscoped=True)).all()
    for row, ticket in rows:
        policy = db.session.get(SlaPolicy, row.policy_id) if row.policy_id else None
        label = LABELS.get(row.due_clock, row.due_clock)
        data = {"clock": row.due_clock, "due_at": row.due_at.isoformat(),
                "policy": policy.name if policy else None}
        db.session.add(Message(ticket_id=ticket.id, kind="event", event_type="sla_breach",
                               event_data=data, created_at=now))
        text = f"SLA breached: {label} on #{ticket.id} {ticket.subject or ''}".strip()
        for user_id in _tell(ticket):
            notifications.notify(user_id, ticket.id, "sla_breach", text, now)
        if policy is not None and policy.escalate and ticket.status in ("open", "in_progress"):
            status.apply_status(ticket, "priority", None, None, now, reason=f"SLA breached ({label})")
        row.breach_due_at = row.due_at
    db.session.commit()
    return len(rows)


def _tell(ticket: Ticket) -> list[int]:
    """Who hears of a breach: the assignee, else the active teammates who see the ticket."""
    if ticket.assignee_id:
        return [ticket.assignee_id]
    users = db.session.scalars(select(User.id).where(User.active.is_(True))).all()
    return [u for u in users if scope.can_see_ticket(u, ticket.id)]


def any_policy() -> bool:
    """Whether any SLA policy is on (the ticket page shows clocks only then)."""
    return db.session.scalar(select(SlaPolicy.id).where(SlaPolicy.active.is_(True)).limit(1)) is not None


@dataclass(frozen=True)
class Reading:
    """The one line the ticket header shows."""
    text: str
    state: str  # due | breached | paused | met


def reading(result: Evaluation, now: datetime) -> Reading | None:
    """"First response due in 23 min", "Next response overdue by 2 h", "SLA paused (snoozed)"."""
    running = [c for c in result.clocks if c.running]
    if not result.clocks:
        return None
    due = result.due
    if due is not None:
        if due.due_at <= now:
            return Reading(f"{due.label} overdue by {span(now - due.due_at)}", "breached")
        return Reading(f"{due.label} due in {span(due.due_at - now)}", "due")
    paused = next((c for c in running if c.paused), None)
    if paused is not None:
        return Reading(f"SLA paused ({paused.pauses[-1][2]})", "paused")
    missed = [c for c in result.clocks if c.breached]
    if missed:
        return Reading(f"{missed[-1].label} target missed", "breached")
    return Reading("SLA targets met", "met")


def span(delta) -> str:
    """A duration as a person says it: 45 s, 23 min, 3 h 5 min, 2 days 4 h."""
    seconds = int(max(delta.total_seconds(), 0))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} day{'s' if days != 1 else ''} {hours} h" if hours else f"{days} day{'s' if days != 1 else ''}"
