"""SLA policies and each ticket's clocks: which policy applies, what its clocks read, breaches.

The ticket page computes a ticket's clocks afresh from its thread (clocks.py). The inbox
sorts and filters by the stored due time (TicketSla), which the schedule's `sla-check` job
keeps current: every minute it recomputes the tickets whose thread moved since (their
thread_rev), then sounds every alarm whose time has come. Each ticket keeps one alarm, the
next thing owed on any of its clocks: a warning shortly before a clock runs out (a
notification to the assignee, or every teammate who sees the ticket when it has none),
then the breach (an event line in the thread, the same notification, Priority when the
policy says so, and the sla.breached webhook). Each is sounded once per clock cycle: the
breaches already recorded are read off the thread, the warnings off the row. A ticket whose
first response was missed still warns of, and records, its resolution breach later. A
workspace without policies costs one short query a minute.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select

from halo import clock
from halo.extensions import db
from halo.models import Customer, Message, SlaPolicy, Ticket, TicketSla, TicketTag, User
from halo.services.access import scope
from halo.services.service_levels import schedules
from halo.services.service_levels.clocks import (
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


def tag_ids_of(ticket_ids) -> dict[int, set[int]]:
    """The ids of the tags each ticket carries."""
    out: dict[int, set[int]] = {i: set() for i in ticket_ids}
    rows = db.session.execute(select(TicketTag.ticket_id, TicketTag.tag_id)
                              .where(TicketTag.ticket_id.in_(list(ticket_ids))))
    for ticket_id, tag_id in rows:
        out[ticket_id].add(tag_id)
    return out


def matches(policy: SlaPolicy, ticket: Ticket, customer: Customer | None,
            tag_ids: set[int] | None = None) -> bool:
    """Every condition the policy sets holds for the ticket as it stands (tag_ids: the
    ticket's tags, read when a policy asks and they were not given)."""
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
    if policy.tag_id is not None:
        if tag_ids is None:
            tag_ids = tag_ids_of([ticket.id])[ticket.id]
        if policy.tag_id not in tag_ids:
            return False
    return True


def policy_for(ticket: Ticket, candidates: list[SlaPolicy] | None = None,
               tag_ids: set[int] | None = None) -> SlaPolicy | None:
    candidates = policies() if candidates is None else candidates
    if tag_ids is None and any(p.tag_id is not None for p in candidates):
        tag_ids = tag_ids_of([ticket.id])[ticket.id]
    return next((p for p in candidates if matches(p, ticket, ticket.customer, tag_ids)), None)


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
             candidates: list[SlaPolicy] | None = None, tag_ids: set[int] | None = None) -> Evaluation:
    """The ticket's clocks under the policy that applies (no policy: no clocks)."""
    now = now or clock.now()
    policy = policy_for(ticket, candidates, tag_ids)
    if policy is None:
        return Evaluation(None, None, [])
    schedule = schedules.schedule_for(getattr(ticket, "inbox_id", None))
    targets = Targets(policy.first_response_minutes, policy.next_response_minutes, policy.resolution_minutes)
    return Evaluation(policy, schedule, compute(lines_of(ticket.id), targets, schedule, now))


def breaches_of(ticket_ids) -> dict[int, list[dict]]:
    """The breaches recorded in each ticket's thread (their sla_breach lines' data)."""
    out: dict[int, list[dict]] = {i: [] for i in ticket_ids}
    rows = db.session.execute(select(Message.ticket_id, Message.event_data).where(
        Message.ticket_id.in_(list(ticket_ids)), Message.kind == "event",
        Message.event_type == "sla_breach"))
    for ticket_id, data in rows:
        out[ticket_id].append(data or {})
    return out


def recorded(c: Clock, breaches: list[dict]) -> bool:
    """Whether this clock's cycle has its breach line already (lines written before cycles
    were named match by their due time)."""
    return any(b.get("clock") == c.name and (
        b.get("cycle") == c.cycle or (c.due_at is not None and b.get("due_at") == c.due_at.isoformat()))
        for b in breaches)


def next_alarm(clocks: list[Clock], breaches: list[dict], warned: list[str],
               now: datetime) -> tuple[datetime, str, str] | None:
    """The next thing owed on the ticket's running clocks: (when, "warning" | "breach", clock)."""
    options = []
    for c in clocks:
        if not c.running or c.due_at is None or recorded(c, breaches):
            continue
        if c.warn_at is not None and c.due_at > now and c.cycle not in warned:
            options.append((c.warn_at, "warning", c.name))
        options.append((c.due_at, "breach", c.name))
    return min(options, default=None)


def _store(ticket: Ticket, result: Evaluation, breaches: list[dict], now: datetime) -> TicketSla:
    """Keep what the inbox sorts by (the earliest due running clock) and the next alarm."""
    row = db.session.get(TicketSla, ticket.id) or TicketSla(ticket_id=ticket.id)
    due = result.due
    row.policy_id = result.policy.id if result.policy else None
    row.due_at, row.due_clock = (due.due_at, due.name) if due else (None, None)
    cycles = {c.cycle for c in result.clocks if c.running}
    warned = [w for w in (row.warned or []) if w in cycles]  # old cycles' marks go
    row.warned = warned or None
    alarm = next_alarm(result.clocks, breaches, warned, now)
    row.alarm_at, row.alarm_kind, row.alarm_clock = alarm if alarm else (None, None, None)
    row.thread_rev, row.computed_at = ticket.thread_rev, now
    db.session.add(row)
    return row


def refresh(ticket_ids, now: datetime | None = None) -> int:
    """Recompute and store the clocks of these tickets (no commit); returns how many."""
    now = now or clock.now()
    ticket_ids = list(ticket_ids)
    candidates = policies()
    tags = tag_ids_of(ticket_ids) if any(p.tag_id is not None for p in candidates) else {}
    breaches = breaches_of(ticket_ids)
    done = 0
    for ticket in db.session.scalars(select(Ticket).where(Ticket.id.in_(ticket_ids)).execution_options(
            halo_unscoped=True)):
        result = evaluate(ticket, now, candidates, tags.get(ticket.id, set()))
        _store(ticket, result, breaches[ticket.id], now)
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
    """The schedule's minute: recompute what moved, then sound every alarm that is due."""
    now = now or clock.now()
    if db.session.scalar(select(SlaPolicy.id).where(SlaPolicy.active.is_(True)).limit(1)) is None:
        return {"refreshed": 0, "breached": 0, "warned": 0}
    refreshed = 0
    while True:
        ids = stale_ticket_ids()
        if not ids:
            break
        refreshed += refresh(ids, now)
        db.session.commit()
        if len(ids) < BATCH:
            break
    return {"refreshed": refreshed, **sound_alarms(now)}


def sound_alarms(now: datetime) -> dict:
    """Warn and record breaches for every ticket whose alarm time has come, in batches until
    none is left. Each ticket's clocks are computed afresh first (the stored alarm is only
    when to look), and its next alarm stored after, so every batch moves each alarm on."""
    counts = {"breached": 0, "warned": 0}
    candidates = policies()
    while True:
        rows = db.session.execute(
            select(TicketSla.ticket_id).where(TicketSla.alarm_at <= now)
            .order_by(TicketSla.alarm_at, TicketSla.ticket_id).limit(BATCH)
            .execution_options(halo_unscoped=True)).scalars().all()
        if not rows:
            return counts
        tags = tag_ids_of(rows) if any(p.tag_id is not None for p in candidates) else {}
        breaches = breaches_of(rows)
        tickets = db.session.scalars(select(Ticket).where(Ticket.id.in_(rows)).order_by(Ticket.id)
                                     .execution_options(halo_unscoped=True)).all()  # in a stable order
        for ticket in tickets:
            result = evaluate(ticket, now, candidates, tags.get(ticket.id, set()))
            row = db.session.get(TicketSla, ticket.id)
            warned, before = list(row.warned or []), len(breaches[ticket.id])
            for c in result.clocks:
                if not c.running or c.due_at is None or recorded(c, breaches[ticket.id]):
                    continue
                if c.due_at <= now:
                    breaches[ticket.id].append(_breach(ticket, result.policy, c, now))
                    counts["breached"] += 1
                elif c.warn_at is not None and c.warn_at <= now and c.cycle not in warned:
                    _warn(ticket, c, now)
                    warned.append(c.cycle)
                    counts["warned"] += 1
            row.warned = warned or None
            if len(breaches[ticket.id]) > before:
                # The breach line moved the thread on: store the clocks at its new revision,
                # or the next minute would compute them again for nothing.
                db.session.flush()
                db.session.refresh(ticket, ["thread_rev"])
            _store(ticket, result, breaches[ticket.id], now)
            if row.alarm_at is not None and row.alarm_at <= now:
                row.alarm_at = None  # nothing more can be done now (never loop on one row)
        db.session.commit()
        if len(rows) < BATCH:
            return counts


def _breach(ticket: Ticket, policy: SlaPolicy | None, c: Clock, now: datetime) -> dict:
    """A missed target: the event line, notifications, Priority if the policy says so."""
    data = {"clock": c.name, "due_at": c.due_at.isoformat(), "cycle": c.cycle,
            "policy": policy.name if policy else None}
    db.session.add(Message(ticket_id=ticket.id, kind="event", event_type="sla_breach",
                           event_data=data, created_at=now))
    text = f"SLA breached: {c.label} on #{ticket.id} {ticket.subject or ''}".strip()
    for user_id in _tell(ticket):
        notifications.notify(user_id, ticket.id, "sla_breach", text, now)
    if policy is not None and policy.escalate and ticket.status in ("open", "in_progress"):
        status.apply_status(ticket, "priority", None, None, now, reason=f"SLA breached ({c.label})")
    return data


def _warn(ticket: Ticket, c: Clock, now: datetime) -> None:
    """A clock about to run out: tell whoever a breach would be told of, before it happens."""
    text = f"SLA warning: {c.label} due in {span(c.due_at - now)} on #{ticket.id} {ticket.subject or ''}"
    for user_id in _tell(ticket):
        notifications.notify(user_id, ticket.id, "sla_warning", text.strip(), now)


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
