"""SLA clocks read off a ticket's thread: when each started, what paused it, when it is due.

Nothing is kept incrementally: the thread already holds every fact a clock needs (the
customer's messages, the team's replies, each status change with its time), so a clock is
computed from it, and the same computation explains itself (which lines started and
stopped it, which pauses it skipped). Three clocks:

- first response: from the ticket's first customer message to the team's first reply;
- next response: from the customer's first message after a team reply to the next reply;
- resolution: from the first customer message until the ticket is resolved.

Only open hours count (hours.Schedule; around the clock when none is set), and no clock
runs while the ticket is Snoozed (the team waits on a date) or Resolved, Spam or Merged
(nothing is owed); a customer writing again reopens the ticket, and the clocks with it.
A merged ticket's lines join its target's thread, so the target's clocks count them: the
earliest unanswered message of either ticket is the one the team owes an answer to.
"""
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext

from halo.i18n import N_
from halo.services.service_levels.hours import Schedule, always

CLOCKS = ("first_response", "next_response", "resolution")
LABELS = {"first_response": N_("First response"), "next_response": N_("Next response"),
          "resolution": N_("Resolution")}
NOT_COUNTING = {"snoozed": "snoozed", "resolved": "resolved", "spam": "spam", "merged": "merged"}
TEAM_KINDS = ("agent", "ai")
Pause = tuple  # (start, end or None while it lasts, why)


@dataclass(frozen=True)
class Line:
    """What a clock reads of one thread line: its time, whose it is, a status it set."""
    at: datetime
    kind: str                  # customer | agent | ai | status
    status: str | None = None  # for kind "status": the status set


@dataclass(frozen=True)
class Targets:
    """Minutes of open time each clock allows (None: no target)."""
    first_response: int | None = None
    next_response: int | None = None
    resolution: int | None = None


@dataclass
class Clock:
    name: str
    target_minutes: int
    started_at: datetime
    stopped_at: datetime | None = None
    elapsed_seconds: float = 0.0        # open, unpaused time counted up to now (or the stop)
    due_at: datetime | None = None      # when the target is (or was) reached; None while paused
    warn_at: datetime | None = None     # when the team is warned (warning_lead before due_at)
    pauses: list[Pause] = field(default_factory=list)

    @property
    def label(self) -> str:
        return gettext(LABELS[self.name])

    @property
    def cycle(self) -> str:
        """Names this clock's cycle: a breach or a warning is recorded once per cycle."""
        return f"{self.name}@{self.started_at.isoformat()}"

    @property
    def running(self) -> bool:
        return self.stopped_at is None

    @property
    def paused(self) -> bool:
        return self.running and bool(self.pauses) and self.pauses[-1][1] is None

    @property
    def breached(self) -> bool:
        return self.elapsed_seconds > self.target_minutes * 60 or (
            self.due_at is not None and self.stopped_at is not None and self.stopped_at > self.due_at)


def pauses_of(lines: list[Line], start: datetime, end: datetime | None) -> list[Pause]:
    """The stretches within [start, end) when the ticket's status stopped every clock."""
    status = None
    for line in lines:
        if line.kind == "status" and line.at <= start:
            status = line.status
    out: list[Pause] = []
    since, why = (start, NOT_COUNTING[status]) if status in NOT_COUNTING else (None, None)
    for line in lines:
        if line.kind != "status" or line.at <= start:
            continue
        if end is not None and line.at >= end:
            break
        if since is None and line.status in NOT_COUNTING:
            since, why = line.at, NOT_COUNTING[line.status]
        elif since is not None and line.status not in NOT_COUNTING:
            out.append((since, line.at, why))
            since = None
    if since is not None:
        out.append((since, None, why))
    return out


def waiting_on_customer(lines: list[Line], start: datetime, end: datetime | None) -> list[Pause]:
    """From each team reply until the customer writes again: the team owes nothing."""
    out: list[Pause] = []
    since = None
    for line in lines:
        if end is not None and line.at >= end:
            break
        if line.kind in TEAM_KINDS and since is None and line.at >= start:
            since = line.at
        elif line.kind == "customer" and since is not None:
            out.append((since, line.at, "waiting on the customer"))
            since = None
    if since is not None:
        out.append((since, None, "waiting on the customer"))
    return out


def union(*lists: list[Pause]) -> list[Pause]:
    """Pauses of several kinds as one ordered list, overlapping ones joined (first reason kept)."""
    merged: list[list] = []
    for p_start, p_end, why in sorted((p for ps in lists for p in ps), key=lambda p: p[0]):
        if merged and (merged[-1][1] is None or p_start <= merged[-1][1]):
            if merged[-1][1] is not None and (p_end is None or p_end > merged[-1][1]):
                merged[-1][1] = p_end
            continue
        merged.append([p_start, p_end, why])
    return [tuple(p) for p in merged]


def warning_lead(target_minutes: int) -> float:
    """How long before its due time a clock warns, in open seconds: a quarter of the target,
    at most half an hour (a 1-hour target warns 15 minutes ahead, a day's 30 minutes)."""
    return min(30 * 60.0, target_minutes * 60 * 0.25)


def _segments(clock: Clock) -> list[tuple[datetime, datetime | None]]:
    """The stretches the clock counts: from its start to its first pause, between pauses,
    and after the last pause (to the end of time; the caller cuts at the stop or now)."""
    cursor, out = clock.started_at, []
    for p_start, p_end, _ in clock.pauses:
        out.append((cursor, p_start))
        cursor = p_end
        if p_end is None:
            break
    if cursor is not None:
        out.append((cursor, None))
    return [(a, b) for a, b in out if a is not None and (b is None or b > a)]


def _reach(segments, schedule: Schedule, seconds: float) -> datetime | None:
    """The instant the counted open time reaches `seconds` (None: never, the clock stays paused)."""
    left = seconds
    for a, b in segments:
        if b is None:
            return schedule.after(a, left)
        span = schedule.open_seconds(a, b)
        if span >= left:
            return schedule.after(a, left)
        left -= span
    return None


def _measure(clock: Clock, schedule: Schedule, now: datetime) -> Clock:
    """Fill elapsed time, the due instant and the warning instant from the clock's start,
    stop and pauses."""
    end = clock.stopped_at or now
    segments = _segments(clock)
    clock.elapsed_seconds = sum(
        schedule.open_seconds(a, min(b, end) if b is not None else end) for a, b in segments if a < end)
    target = clock.target_minutes * 60.0
    due = _reach(segments, schedule, target)
    clock.due_at = None if (clock.paused and clock.elapsed_seconds < target) else due
    if clock.due_at is not None:
        clock.warn_at = _reach(segments, schedule, target - warning_lead(clock.target_minutes))
    return clock


def compute(lines: list[Line], targets: Targets, schedule: Schedule | None, now: datetime) -> list[Clock]:
    """Every clock the targets ask for, as the thread stands at `now`. Lines are in order."""
    schedule = schedule or always()
    customer = [ln for ln in lines if ln.kind == "customer"]
    if not customer:
        return []
    clocks: list[Clock] = []
    first_at = customer[0].at
    team = [ln.at for ln in lines if ln.kind in TEAM_KINDS]
    resolved_now, last_status = _last_status(lines)

    if targets.first_response:
        reply = next((at for at in team if at >= first_at), None)
        stop = reply or (resolved_now if last_status in NOT_COUNTING and last_status != "snoozed" else None)
        clocks.append(Clock("first_response", targets.first_response, first_at, stop))
    if targets.next_response:
        last_reply = max((at for at in team if at >= first_at), default=None)
        if last_reply is not None:
            waiting = next((ln.at for ln in customer if ln.at > last_reply), None)
            replies = [at for at in team if at >= first_at]
            if waiting is None and len(replies) >= 2:
                # Answered: the last cycle, from the customer message before the last reply.
                before = [ln.at for ln in customer if ln.at < last_reply and ln.at > replies[-2]]
                if before:
                    clocks.append(Clock("next_response", targets.next_response, before[0], last_reply))
            elif waiting is not None:
                stop = resolved_now if last_status in NOT_COUNTING and last_status != "snoozed" else None
                clocks.append(Clock("next_response", targets.next_response, waiting, stop))
    if targets.resolution:
        stop = resolved_now if last_status in ("resolved", "spam", "merged") else None
        clocks.append(Clock("resolution", targets.resolution, first_at, stop))

    for clock in clocks:
        pauses = pauses_of(lines, clock.started_at, clock.stopped_at)
        if clock.name == "resolution":
            pauses = union(pauses, waiting_on_customer(lines, clock.started_at, clock.stopped_at))
        clock.pauses = pauses
        _measure(clock, schedule, now)
    return clocks


def _last_status(lines: list[Line]) -> tuple[datetime | None, str | None]:
    """When the latest status change happened, and to what."""
    last = next((ln for ln in reversed(lines) if ln.kind == "status"), None)
    return (last.at, last.status) if last else (None, None)


def earliest_due(clocks: list[Clock]) -> Clock | None:
    """The running, unpaused clock due first (what the inbox sorts by)."""
    running = [c for c in clocks if c.running and c.due_at is not None]
    return min(running, key=lambda c: c.due_at, default=None)
