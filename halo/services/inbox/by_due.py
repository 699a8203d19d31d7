"""The inbox sorted by SLA due time, and what each row shows besides the ticket: its tags
and its clock.

Soonest due first (overdue ones lead), then the tickets with no running clock, newest
activity first. Both parts are keyset pages read off an index: (due_at, ticket_id) on
ticket_sla, then the ticket list's own (last_activity_at, id). A cursor says which part it
is in. The due time is the stored one (TicketSla, kept current every minute by the
sla-check job), so no clock is computed for a page.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, select, tuple_

from halo.extensions import db
from halo.models import Ticket, TicketSla
from halo.services.inbox.views import (
    ROW_COLUMNS,
    VIEWS,
    InboxRow,
    list_tickets,
    view_condition,
)
from halo.services.service_levels.clocks import LABELS
from halo.services.service_levels.sla import span
from halo.services.tickets.tags import labels_of

SOON = timedelta(hours=1)


def _decode(cursor: str | None) -> tuple[str, datetime, int] | None:
    """('d' or 'n', position, id), or None for the first page (a malformed cursor too)."""
    if not cursor or cursor[:2] not in ("d~", "n~"):
        return None
    try:
        at, _, ident = cursor[2:].rpartition("~")
        return cursor[0], datetime.fromisoformat(at), int(ident)
    except ValueError:
        return None


def list_by_due(view: str, user_id: int, now: datetime, cursor: str | None = None,
                limit: int = 25, where=None, selective: bool = False) -> tuple[list[InboxRow], str | None]:
    """One page of a view (narrowed by an optional filter condition), soonest SLA due first
    (selective: as views.list_tickets says)."""
    if view not in VIEWS:
        raise KeyError(view)
    condition = view_condition(view, user_id, now)
    if where is not None:
        condition = and_(condition, where)
    after = _decode(cursor)
    rows: list[tuple[InboxRow, datetime | None]] = []
    if after is None or after[0] == "d":
        due = db.session.execute(page_query(condition, after[1:] if after else None, limit + 1)).all()
        found = {row.id: row for row in db.session.execute(
            ROW_COLUMNS.where(Ticket.id.in_([tid for tid, _ in due])))} if due else {}
        rows = [(InboxRow(found[tid]), at) for tid, at in due if tid in found]
    if len(rows) <= limit:
        # The tickets with no running clock: the view's own keyset page (its index gives the
        # order, woken snoozes merged apart), never one OR of both sorted whole.
        no_clock = ~exists().where(TicketSla.ticket_id == Ticket.id, TicketSla.due_at.is_not(None))
        cursor_n = f"{after[1].isoformat()}_{after[2]}" if after and after[0] == "n" else None
        listed, _ = list_tickets(view, user_id, now, cursor_n, limit + 1 - len(rows),
                                 where=no_clock if where is None else and_(where, no_clock),
                                 selective=selective)
        rows += [(row, None) for row in listed]
    page = rows[:limit]
    if len(rows) <= limit:
        return [r for r, _ in page], None
    last, due = page[-1]
    next_cursor = (f"d~{due.isoformat()}~{last.id}" if due is not None
                   else f"n~{last.last_activity_at.isoformat()}~{last.id}")
    return [r for r, _ in page], next_cursor


def page_query(condition, after: tuple[datetime, int] | None, limit: int):
    """The due part of a page: (ticket id, due time) after the position, soonest first.

    Only ticket_sla is in the FROM list and the ticket's conditions sit in a correlated
    EXISTS, so neither engine can start from the view's own index on ticket and sort every
    open ticket by due time (SQLite, planning without statistics, did): the due index is
    read in order and the scan stops after a page."""
    query = select(TicketSla.ticket_id, TicketSla.due_at).where(
        TicketSla.due_at.is_not(None), exists().where(Ticket.id == TicketSla.ticket_id, condition))
    if after:
        query = query.where(tuple_(TicketSla.due_at, TicketSla.ticket_id) > after)
    return query.order_by(TicketSla.due_at, TicketSla.ticket_id).limit(limit)


@dataclass(frozen=True)
class RowExtra:
    """A row's tags, (name, colour) by name, and its stored SLA due time."""
    tags: tuple = ()
    due_at: datetime | None = None
    due_clock: str | None = None

    def badge(self, now: datetime) -> tuple[str, str, str] | None:
        """(state, text, title) of the row's SLA badge: breached, soon (within an hour) or due."""
        if self.due_at is None:
            return None
        label = LABELS.get(self.due_clock, "SLA")
        when = self.due_at.strftime("%Y-%m-%d %H:%M") + " UTC"
        if self.due_at <= now:
            return "breached", f"Overdue {span(now - self.due_at)}", f"{label} was due {when}"
        state = "soon" if self.due_at - now <= SOON else "due"
        return state, f"Due in {span(self.due_at - now)}", f"{label} due {when}"


def row_extras(ticket_ids: list[int]) -> dict[int, RowExtra]:
    """Every listed ticket's tags and due time, in two queries for the page."""
    if not ticket_ids:
        return {}
    labels = labels_of(ticket_ids)
    due = {tid: (at, clock) for tid, at, clock in db.session.execute(
        select(TicketSla.ticket_id, TicketSla.due_at, TicketSla.due_clock)
        .where(TicketSla.ticket_id.in_(ticket_ids), TicketSla.due_at.is_not(None)))}
    return {tid: RowExtra(tuple(labels.get(tid, ())), *due.get(tid, (None, None))) for tid in ticket_ids}
