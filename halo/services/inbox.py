"""Inbox views: which tickets each view lists, keyset-paginated, and the sidebar counts."""
from collections import Counter
from datetime import datetime

from sqlalchemy import and_, func, or_, select, tuple_

from ..extensions import db
from ..models import Mention, Message, Ticket
from .counters import counter_rows
from .mentions import unread_mention_count

VIEWS = {
    "open": "Open", "mine": "Mine", "unassigned": "Unassigned", "priority": "Priority",
    "snoozed": "Snoozed", "resolved": "Resolved", "spam": "Spam", "all": "All",
    "mentions": "Mentions",
}
OPEN_STATUSES = ("open", "priority", "in_progress")
# Views that also show snoozed tickets whose time has passed (judged at query time).
WAKING_VIEWS = {"open", "mine", "unassigned"}


def encode_cursor(ticket: Ticket) -> str:
    """An opaque position after which the next page starts."""
    return f"{ticket.last_activity_at.isoformat()}_{ticket.id}"


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """Parse a cursor; a malformed one means the first page."""
    if not cursor:
        return None
    try:
        at, _, ident = cursor.rpartition("_")
        return datetime.fromisoformat(at), int(ident)
    except ValueError:
        return None


def list_tickets(view: str, user_id: int, now: datetime, cursor: str | None = None,
                 limit: int = 25, where=None) -> tuple[list[Ticket], str | None]:
    """One page of a view (narrowed by an optional filter condition), newest first, and the next cursor."""
    if view not in VIEWS:
        raise KeyError(view)
    after = decode_cursor(cursor)
    narrow = (lambda c: and_(c, where)) if where is not None else (lambda c: c)
    rows = _page(narrow(_view_filter(view, user_id, now)), after, limit + 1)
    if view in WAKING_VIEWS:
        woken = narrow(_woken_filter(view, user_id, now))
        if len(rows) > limit:
            # Only woken tickets newer than the last row fetched can reach this page; the
            # bound turns a sort of every expired snooze into a short index range.
            last = rows[-1]
            woken = and_(woken, Ticket.last_activity_at >= last.last_activity_at,
                         tuple_(Ticket.last_activity_at, Ticket.id) > (last.last_activity_at, last.id))
        rows = sorted(rows + _page(woken, after, limit + 1),
                      key=lambda t: (t.last_activity_at, t.id), reverse=True)
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1]) if len(rows) > limit else None
    return page, next_cursor


def _page(condition, after, limit) -> list[Ticket]:
    query = select(Ticket).where(condition)
    if after:
        query = query.where(tuple_(Ticket.last_activity_at, Ticket.id) < tuple_(*after))
    query = query.order_by(Ticket.last_activity_at.desc(), Ticket.id.desc()).limit(limit)
    return list(db.session.scalars(query).unique())


def _view_filter(view: str, user_id: int, now: datetime):
    if view == "open":
        return Ticket.bucket == "open"
    if view == "mine":
        return and_(Ticket.assignee_id == user_id, Ticket.bucket == "open")
    if view == "unassigned":
        return and_(Ticket.assignee_id.is_(None), Ticket.bucket == "open")
    if view == "snoozed":
        return and_(Ticket.status == "snoozed", Ticket.snoozed_until > now)
    if view == "all":
        return Ticket.id.is_not(None)
    if view == "mentions":
        unread = select(Mention.ticket_id).where(
            Mention.user_id == user_id, Mention.read_at.is_(None))
        return Ticket.id.in_(unread)
    return Ticket.status == view


def _woken_filter(view: str, user_id: int, now: datetime):
    woken = and_(Ticket.status == "snoozed", Ticket.snoozed_until <= now)
    if view == "mine":
        return and_(woken, Ticket.assignee_id == user_id)
    if view == "unassigned":
        return and_(woken, Ticket.assignee_id.is_(None))
    return woken


def view_counts(user_id: int, now: datetime) -> dict[str, int]:
    """Sidebar counts from the counter table: a few dozen rows, not every ticket."""
    by_status, mine, unassigned = Counter(), Counter(), Counter()
    for status, assignee_key, n in counter_rows():
        by_status[status] += n
        if assignee_key == user_id:
            mine[status] += n
        elif assignee_key == 0:
            unassigned[status] += n
    woken = dict(db.session.execute(
        select(func.coalesce(Ticket.assignee_id, 0), func.count())
        .where(Ticket.status == "snoozed", Ticket.snoozed_until <= now)
        .group_by(Ticket.assignee_id)).all())
    woken_total = sum(woken.values())
    return {
        "open": sum(by_status[s] for s in OPEN_STATUSES) + woken_total,
        "mine": sum(mine[s] for s in OPEN_STATUSES) + woken.get(user_id, 0),
        "unassigned": sum(unassigned[s] for s in OPEN_STATUSES) + woken.get(0, 0),
        "priority": by_status["priority"],
        "snoozed": by_status["snoozed"] - woken_total,
        "resolved": by_status["resolved"],
        "spam": by_status["spam"],
        "all": sum(by_status.values()),
        "mentions": unread_mention_count(user_id),
    }


def other_tickets(customer_id: int, exclude_id: int, limit: int = 10) -> list[Ticket]:
    """The customer's other tickets for the profile sidebar."""
    return db.session.scalars(
        select(Ticket).where(Ticket.customer_id == customer_id, Ticket.id != exclude_id)
        .order_by(Ticket.last_activity_at.desc()).limit(limit)).unique().all()


def thread(ticket_id: int) -> list:
    """The ticket's timeline, oldest first."""
    return db.session.scalars(
        select(Message).where(Message.ticket_id == ticket_id)
        .order_by(Message.created_at, Message.id)).unique().all()


def ticket_in_view(ticket_id: int, view: str, user_id: int, now: datetime) -> bool:
    """Whether a view lists the ticket now (live updates add or drop its row)."""
    if view not in VIEWS:
        return False
    condition = _view_filter(view, user_id, now)
    if view in WAKING_VIEWS:
        condition = or_(condition, _woken_filter(view, user_id, now))
    return db.session.scalar(
        select(Ticket.id).where(Ticket.id == ticket_id, condition)) is not None


def view_condition(view: str, user_id: int, now: datetime):
    """Everything a view lists, woken snoozes included, as one condition (filtered counts use it)."""
    condition = _view_filter(view, user_id, now)
    return or_(condition, _woken_filter(view, user_id, now)) if view in WAKING_VIEWS else condition
