"""Inbox views: which tickets each view lists, keyset-paginated, and the sidebar counts."""
from collections import Counter
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import (
    String,
    and_,
    bindparam,
    exists,
    func,
    literal_column,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.orm import aliased, joinedload, selectinload

from halo.extensions import db
from halo.i18n import N_
from halo.models import (
    ChangeStamp,
    Customer,
    Mention,
    Message,
    Notification,
    SnoozeCounter,
    Ticket,
    TicketCounter,
    User,
)
from halo.services.access import scope as access_scope
from halo.services.inbox.hints import likely
from halo.services.inbox.stamps import remember as remember_stamps

VIEWS = {  # labels marked for the catalogues; pages show gettext(label)
    "open": N_("Open"), "mine": N_("Mine"), "unassigned": N_("Unassigned"),
    "priority": N_("Priority"), "snoozed": N_("Snoozed"), "resolved": N_("Resolved"),
    "spam": N_("Spam"), "all": N_("All"), "mentions": N_("Mentions"),
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
def _sidebar(scoped: bool):
    """The statement for a teammate who sees every inbox, or (scoped) some: then the
    counter rows of those inboxes are summed, and mentions, notifications and woken
    snoozes of tickets elsewhere are not counted."""
    def seen(column):
        return column.in_(bindparam("inbox_ids", expanding=True)) if scoped else true()

    def on_seen_ticket(ticket_id):
        return exists().where(Ticket.id == ticket_id, seen(Ticket.inbox_id)) if scoped else true()
    counters = select(TicketCounter.status, TicketCounter.assignee_key, func.sum(TicketCounter.n)) \
        .where(seen(TicketCounter.inbox_id)).group_by(TicketCounter.status, TicketCounter.assignee_key)
    return union_all(
        counters,
        # Ended snoozes not yet woken, from the snooze counter (services/inbox/counters.py):
        # a row per end time, so a backlog of thousands ending at once is one row.
        select(literal_column("'~woken'"), SnoozeCounter.assignee_key, func.sum(SnoozeCounter.n))
        .where(SnoozeCounter.ends_at <= bindparam("now"), seen(SnoozeCounter.inbox_id))
        .group_by(SnoozeCounter.assignee_key),
        select(literal_column("'~mentions'"), literal_column("0"), func.count(func.distinct(Mention.ticket_id)))
        .where(Mention.user_id == bindparam("user_id"), Mention.read_at.is_(None),
               on_seen_ticket(Mention.ticket_id)),
        select(literal_column("'~mentions_here'"), literal_column("0"), func.count())
        .where(Mention.user_id == bindparam("user_id"), Mention.read_at.is_(None),
               Mention.ticket_id == bindparam("ticket_id")),
        select(literal_column("'~notifications'"), literal_column("0"), func.count())
        .select_from(Notification)
        .where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None),
               or_(Notification.ticket_id.is_(None), on_seen_ticket(Notification.ticket_id))
               if scoped else true()),
        # The change stamps (services/stamps.py), so cached pieces are checked without a query.
        select(literal_column("'#'", String) + ChangeStamp.scope, literal_column("0"), ChangeStamp.n),
    ).execution_options(halo_unscoped=True)  # narrowed here, by the counters' inbox


# Built once each: building the statement costs more than running it.
_SIDEBAR, _SIDEBAR_SCOPED = _sidebar(False), _sidebar(True)


class SidebarCounts(dict):
    """The views' counts; .notifications is the user's unread notifications (the nav badge),
    .mentions_here their unread mentions on the ticket asked about, .stamps the change
    stamps by scope, .woken the ended snoozes still stored as snoozed."""
    notifications: int = 0
    mentions_here: int = 0
    stamps: dict
    woken: int = 0


def view_counts(user_id: int, now: datetime, ticket_id: int | None = None) -> dict[str, int]:
    """Sidebar counts from the counter table: a few dozen rows, not every ticket; for a
    teammate who sees some inboxes only (the open access scope), their inboxes' rows.

    The result also carries what the same statement read for the page (see SidebarCounts).
    """
    by_status, mine, unassigned, woken, extra, stamps = Counter(), Counter(), Counter(), {}, {}, {}
    params = {"now": now, "user_id": user_id, "ticket_id": ticket_id or 0}
    inbox_ids = access_scope.inbox_ids()
    statement = _SIDEBAR
    if inbox_ids is not None:
        statement, params["inbox_ids"] = _SIDEBAR_SCOPED, sorted(inbox_ids)
    for status, assignee_key, n in db.session.execute(statement, params):
        if status == "~woken":
            woken[assignee_key] = n
            continue
        if status[0] == "~":
            extra[status[1:]] = n or 0
            continue
        if status[0] == "#":
            stamps[status[1:]] = n
            continue
        by_status[status] += n
        if assignee_key == user_id:
            mine[status] += n
        elif assignee_key == 0:
            unassigned[status] += n
    woken_total = sum(woken.values())
    counts = SidebarCounts({
        "open": sum(by_status[s] for s in OPEN_STATUSES) + woken_total,
        "mine": sum(mine[s] for s in OPEN_STATUSES) + woken.get(user_id, 0),
        "unassigned": sum(unassigned[s] for s in OPEN_STATUSES) + woken.get(0, 0),
        "priority": by_status["priority"],
        "snoozed": by_status["snoozed"] - woken_total,
        "resolved": by_status["resolved"],
        "spam": by_status["spam"],
        "all": sum(by_status.values()) - by_status["merged"],
        "mentions": extra.get("mentions", 0),
    })
    counts.notifications = extra.get("notifications", 0)
    counts.mentions_here = extra.get("mentions_here", 0)
    counts.stamps, counts.woken = stamps, woken_total
    remember_stamps(stamps)
    return counts


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
