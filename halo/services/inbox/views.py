"""Inbox views: which tickets each view lists, keyset-paginated, and the sidebar counts."""
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import (
    and_,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import aliased, joinedload, selectinload

from halo.extensions import db
from halo.i18n import N_
from halo.models import (
    Customer,
    Mention,
    Message,
    Ticket,
    User,
)
from halo.services.access import scope as access_scope
from halo.services.inbox import mention_order
from halo.services.inbox.hints import likely
from halo.services.inbox.sidebar import OPEN_STATUSES, view_counts  # noqa: F401  (pages call views.view_counts)

VIEWS = {  # labels marked for the catalogues; pages show gettext(label)
    "open": N_("Open"), "mine": N_("Mine"), "unassigned": N_("Unassigned"),
    "priority": N_("Priority"), "snoozed": N_("Snoozed"), "resolved": N_("Resolved"),
    "spam": N_("Spam"), "all": N_("All"), "mentions": N_("Mentions"),
}
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
                 limit: int = 25, where=None, selective: bool = False) -> tuple[list[Ticket], str | None]:
    """One page of a view (narrowed by an optional filter condition), newest first, and the
    next cursor (services/inbox/by_due.py lists soonest SLA due first).

    selective: the filter picks out few tickets by an index of its own (the SLA filters:
    the clocks due by a time), so they are read first and the view's condition and the
    teammate's inboxes checked on each, rather than an index of the view or of the inbox
    read until a page of them turns up."""
    if view not in VIEWS:
        raise KeyError(view)
    after = decode_cursor(cursor)
    narrow, unscoped = (lambda c: c), False
    if where is not None and selective:
        inbox_ids = access_scope.inbox_ids()
        seen = true() if inbox_ids is None else access_scope.inbox_condition(Ticket.inbox_id, inbox_ids)
        narrow, unscoped = (lambda c: and_(likely(and_(c, seen)), where)), True
    elif where is not None:
        narrow = lambda c: and_(c, where)  # noqa: E731
    if view == "mentions" and not selective:
        rows = _mentions_page(user_id, where, after, limit + 1)
    else:
        rows = _page(narrow(_view_filter(view, user_id, now)), after, limit + 1, unscoped)
    if view in WAKING_VIEWS:
        woken = narrow(_woken_filter(view, user_id, now))
        if len(rows) > limit:
            # Only woken tickets newer than the last row fetched can reach this page; the
            # bound turns a sort of every expired snooze into a short index range.
            last = rows[-1]
            woken = and_(woken, Ticket.last_activity_at >= last.last_activity_at,
                         tuple_(Ticket.last_activity_at, Ticket.id) > (last.last_activity_at, last.id))
        rows = sorted(rows + _page(woken, after, limit + 1, unscoped),
                      key=lambda t: (t.last_activity_at, t.id), reverse=True)
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1]) if len(rows) > limit else None
    return page, next_cursor


class InboxRow:
    """A ticket as the list shows it, read as plain columns: a fraction of the cost of
    loading Ticket, Customer and User objects for every row. Anything else a template
    asks of a row comes from the Ticket itself, loaded on first use."""
    __slots__ = ("id", "subject", "preview", "channel", "status", "snoozed_until",
                 "last_activity_at", "customer", "assignee")
    status_label = Ticket.status_label
    snooze_expired = Ticket.snooze_expired

    def __init__(self, row):
        (self.id, self.subject, self.preview, self.channel, self.status, self.snoozed_until,
         self.last_activity_at, customer_id, name, email, assignee_id, assignee_name) = row
        self.customer = _RowCustomer(customer_id, name, email)
        self.assignee = _RowAssignee(assignee_id, assignee_name) if assignee_id else None

    def __getattr__(self, attr):
        return getattr(db.session.get(Ticket, self.id), attr)


class _RowCustomer:
    __slots__ = ("id", "name", "email")
    display_name = Customer.display_name

    def __init__(self, ident, name, email):
        self.id, self.name, self.email = ident, name, email

    def __getattr__(self, attr):
        return getattr(db.session.get(Customer, self.id), attr)


class _RowAssignee:
    __slots__ = ("id", "name")

    def __init__(self, ident, name):
        self.id, self.name = ident, name

    def __getattr__(self, attr):
        return getattr(db.session.get(User, self.id), attr)


# Aliases, so that a filter's own subquery on customer is never correlated with the join;
# made once, so the statement's compiled form is cached.
_customer, _assignee = aliased(Customer, name="row_customer"), aliased(User, name="row_assignee")
_ROW_COLUMNS = select(Ticket.id, Ticket.subject, Ticket.preview, Ticket.channel, Ticket.status,
                      Ticket.snoozed_until, Ticket.last_activity_at, _customer.id, _customer.name,
                      _customer.email, Ticket.assignee_id, _assignee.name)     .join(_customer, _customer.id == Ticket.customer_id)     .outerjoin(_assignee, _assignee.id == Ticket.assignee_id)


ROW_COLUMNS = _ROW_COLUMNS


def page_statement(condition, after, limit):
    """The rows of one keyset page of the tickets that meet the condition, newest first."""
    query = _ROW_COLUMNS.where(condition)
    if after:
        query = query.where(tuple_(Ticket.last_activity_at, Ticket.id) < tuple_(*after))
    return query.order_by(Ticket.last_activity_at.desc(), Ticket.id.desc()).limit(limit)


def _page(condition, after, limit, unscoped=False) -> list[InboxRow]:
    """unscoped: the condition already says which inboxes the teammate sees."""
    statement = page_statement(condition, after, limit)
    if unscoped:
        statement = statement.execution_options(halo_unscoped=True)
    return [InboxRow(row) for row in db.session.execute(statement)]


def _mentions_page(user_id: int, where, after, limit) -> list[InboxRow]:
    """The Mentions view's page, read off the teammate's unread mentions in order
    (services/inbox/mention_order.py). The teammate's inboxes are checked on each ticket
    found, hinted so that SQLite does not read the inbox's index instead."""
    inbox_ids = access_scope.inbox_ids()
    condition = true() if inbox_ids is None else likely(access_scope.inbox_condition(Ticket.inbox_id, inbox_ids))
    if where is not None:
        condition = and_(condition, where)
    statement = mention_order.page_statement(_ROW_COLUMNS, user_id, condition, after, limit)
    return [InboxRow(row) for row in db.session.execute(statement.execution_options(halo_unscoped=True))]


def _view_filter(view: str, user_id: int, now: datetime):
    if view == "open":
        return Ticket.bucket == "open"
    if view == "mine":
        return and_(Ticket.assignee_id == user_id, Ticket.bucket == "open")
    if view == "unassigned":
        return and_(Ticket.assignee_id.is_(None), Ticket.bucket == "open")
    if view == "snoozed":
        # Most snoozes have not ended, so the view reads (status, last_activity_at, id) in
        # order and stops after a page; a range read on the end time would sort every
        # snoozed ticket (SQLite chose that: 200 ms at 1,000,000 tickets, bench/README.md).
        return and_(Ticket.status == "snoozed", likely(Ticket.snoozed_until > now))
    if view == "all":
        # A merged ticket lives on inside its target; it is reached from there, or by search.
        return Ticket.bucket != "merged"
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


# The sidebar's figures in one statement (built once): the counter rows, the snoozes that
# have ended (still counted as snoozed until something wakes them), the user's unread
# mentions and notifications. Four small queries were four round trips through the ORM.
class OtherTicket(NamedTuple):
    id: int
    subject: str
    status: str


def other_ticket_rows(customer_id: int, exclude_id: int, limit: int = 10) -> tuple[OtherTicket, ...]:
    """The customer's other tickets for the profile sidebar, as plain rows (kept by pages)."""
    return tuple(OtherTicket(*row) for row in db.session.execute(
        select(Ticket.id, Ticket.subject, Ticket.status)
        .where(Ticket.customer_id == customer_id, Ticket.id != exclude_id)
        .order_by(Ticket.last_activity_at.desc()).limit(limit)))


def thread(ticket_id: int) -> list:
    """The ticket's timeline, oldest first."""
    return db.session.scalars(
        select(Message).where(Message.ticket_id == ticket_id)
        .options(selectinload(Message.attachments))
        .order_by(Message.created_at, Message.id)).unique().all()


def thread_since(ticket_id: int, message_id: int, at: datetime) -> list:
    """The lines a post added to a ticket's timeline, oldest first: the message and any line
    after it, and event lines written from `at` on (the post's own, such as an auto-assignment,
    are flushed before its message). A line or two: their files come in the same statement."""
    return db.session.scalars(
        select(Message).where(Message.ticket_id == ticket_id,
                              or_(Message.id >= message_id,
                                  and_(Message.kind == "event", Message.created_at >= at)))
        .options(joinedload(Message.attachments))
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
