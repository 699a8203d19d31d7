"""The sidebar counts: tickets per view from the counter tables, and what every page
reads with them (the change stamps, the teammate's unread mentions and notifications).

Every signed-in page shows the counts, and they change only with a write to a ticket
(which moves the "inbox" change stamp in the same transaction as the counter rows) or
when a snooze ends. So each process keeps the counts it read per access scope, filed
under the inbox stamp the same statement read, the minute (a bound on any write that
forgot the stamp, as for every kept piece) and the span of time in which no snooze ends.
A request then reads only the small per-teammate part with the stamps; a changed stamp,
a new minute or a snooze ending reads the counter rows again.
"""
from collections import Counter
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import (
    String,
    bindparam,
    exists,
    func,
    literal_column,
    or_,
    select,
    true,
    union_all,
)

from halo.extensions import db
from halo.models import (
    ChangeStamp,
    Mention,
    MentionCounter,
    Notification,
    SnoozeCounter,
    Ticket,
    TicketCounter,
)
from halo.services.access import scope as access_scope
from halo.services.inbox.stamps import SCOPES, minute
from halo.services.inbox.stamps import remember as remember_stamps
from halo.services.tickets.notifications import BADGE_CAP

OPEN_STATUSES = ("open", "priority", "in_progress")


def _seen(column, scoped: bool):
    return column.in_(bindparam("inbox_ids", expanding=True)) if scoped else true()


def _own(scoped: bool):
    """The teammate's own rows (tickets with unread mentions, mentions on the ticket asked about,
    unread notifications) and the change stamps: what no two teammates share."""
    def on_seen_ticket(ticket_id):
        return exists().where(Ticket.id == ticket_id, _seen(Ticket.inbox_id, True)) if scoped else true()
    return (
        # Tickets with an unread mention, from the teammate's counter row per inbox
        # (services/inbox/mention_counts.py): never their mention rows.
        select(literal_column("'~mentions'"), literal_column("0"), func.sum(MentionCounter.n))
        .where(MentionCounter.user_id == bindparam("user_id"), _seen(MentionCounter.inbox_id, scoped)),
        select(literal_column("'~mentions_here'"), literal_column("0"), func.count())
        .where(Mention.user_id == bindparam("user_id"), Mention.read_at.is_(None),
               Mention.ticket_id == bindparam("ticket_id")),
        # Unread notifications up to the badge's cap (tickets/notifications.py): a backlog
        # of thousands is never counted (scoped, each one's ticket looked up) on every page.
        select(literal_column("'~notifications'"), literal_column("0"), func.count())
        .select_from(select(Notification.id)
                     .where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None),
                            or_(Notification.ticket_id.is_(None), on_seen_ticket(Notification.ticket_id))
                            if scoped else true())
                     .limit(BADGE_CAP + 1).subquery("unread_notifications")),
        # The change stamps (services/stamps.py), so cached pieces are checked without a query.
        select(literal_column("'#'", String) + ChangeStamp.scope, literal_column("0"), ChangeStamp.n),
    )


def _sidebar(scoped: bool):
    """The statement for a teammate who sees every inbox, or (scoped) some: then the
    counter rows of those inboxes are summed, and mentions, notifications and woken
    snoozes of tickets elsewhere are not counted."""
    counters = select(TicketCounter.status, TicketCounter.assignee_key, func.sum(TicketCounter.n)) \
        .where(_seen(TicketCounter.inbox_id, scoped)).group_by(TicketCounter.status, TicketCounter.assignee_key)
    return union_all(
        counters,
        # Ended snoozes not yet woken, from the snooze counter (services/inbox/counters.py):
        # a row per end time, so a backlog of thousands ending at once is one row.
        select(literal_column("'~woken'"), SnoozeCounter.assignee_key, func.sum(SnoozeCounter.n))
        .where(SnoozeCounter.ends_at <= bindparam("now"), _seen(SnoozeCounter.inbox_id, scoped))
        .group_by(SnoozeCounter.assignee_key),
        *_own(scoped),
    ).execution_options(halo_unscoped=True)  # narrowed here, by the counters' inbox


def _next_end(scoped: bool):
    """When the next snooze ends after "now": the kept counts hold until then."""
    return (select(func.min(SnoozeCounter.ends_at))
            .where(SnoozeCounter.ends_at > bindparam("now"), _seen(SnoozeCounter.inbox_id, scoped))
            .execution_options(halo_unscoped=True))


# Built once each: building the statement costs more than running it.
_SIDEBAR, _SIDEBAR_SCOPED = _sidebar(False), _sidebar(True)
_OWN = {scoped: union_all(*_own(scoped)).execution_options(halo_unscoped=True) for scoped in (False, True)}
_NEXT_END = {scoped: _next_end(scoped) for scoped in (False, True)}


class SidebarCounts(dict):
    """The views' counts; .notifications is the user's unread notifications (the nav badge),
    .mentions_here their unread mentions on the ticket asked about, .stamps the change
    stamps by scope, .woken the ended snoozes still stored as snoozed."""
    notifications: int = 0
    mentions_here: int = 0
    stamps: dict
    woken: int = 0


class _Kept(NamedTuple):
    """One scope's counts as read under an inbox stamp, good from `at` until `until`."""
    stamp: int
    minute: datetime
    at: datetime
    until: datetime | None  # the next snooze's end (None: no snooze ends later)
    counts: dict  # every count but "mine" and "mentions"
    open_by_assignee: dict  # open tickets (woken snoozes included) by assignee_key
    woken: int  # ended snoozes still stored as snoozed


_KEPT: dict[tuple | None, _Kept] = {}  # by access scope (the sorted inbox ids, None: every inbox)
_KEPT_BOUND = 1024


def view_counts(user_id: int, now: datetime, ticket_id: int | None = None) -> dict[str, int]:
    """Sidebar counts from the counter table: a few dozen rows, not every ticket; for a
    teammate who sees some inboxes only (the open access scope), their inboxes' rows.

    The result also carries what the same statement read for the page (see SidebarCounts).
    """
    params = {"now": now, "user_id": user_id, "ticket_id": ticket_id or 0}
    inbox_ids = access_scope.inbox_ids()
    scope = None if inbox_ids is None else tuple(sorted(inbox_ids))
    if scope is not None:
        params["inbox_ids"] = list(scope)
    kept = _KEPT.get(scope)
    extra, stamps = _read_own(db.session.execute(_OWN[scope is not None], params))
    if not _holds(kept, stamps.get("inbox"), now):
        rows = db.session.execute(_SIDEBAR if scope is None else _SIDEBAR_SCOPED, params).all()
        extra, stamps = _read_own(rows)
        until = db.session.scalar(_NEXT_END[scope is not None], params)
        kept = _count(rows, stamps.get("inbox"), now, until)
        if kept.stamp is not None:
            if len(_KEPT) >= _KEPT_BOUND:
                _KEPT.clear()
            _KEPT[scope] = kept
    counts = SidebarCounts(kept.counts)
    counts["mine"] = kept.open_by_assignee.get(user_id, 0)
    counts["mentions"] = extra.get("mentions", 0)
    counts.notifications = extra.get("notifications", 0)
    counts.mentions_here = extra.get("mentions_here", 0)
    counts.stamps, counts.woken = stamps, kept.woken
    # A scope with no row has never been written: None, a value pieces can be kept under
    # (the row's first write starts it at a random number).
    remember_stamps({**dict.fromkeys(SCOPES), **stamps})
    return counts


def _holds(kept: _Kept | None, stamp: int | None, now: datetime) -> bool:
    return (kept is not None and stamp is not None and kept.stamp == stamp
            and kept.minute == minute(now) and kept.at <= now and (kept.until is None or now < kept.until))


def _read_own(rows) -> tuple[dict, dict]:
    """The teammate's counts ("~" rows) and the stamps ("#" rows) among a statement's rows."""
    extra, stamps = {}, {}
    for status, _, n in rows:
        if status[0] == "#":
            stamps[status[1:]] = n
        elif status[0] == "~" and status != "~woken":
            extra[status[1:]] = n or 0
    return extra, stamps


def _count(rows, stamp: int | None, now: datetime, until: datetime | None) -> _Kept:
    """The views' counts from the counter rows (shared by every teammate of the scope)."""
    by_status, open_by_assignee, woken = Counter(), Counter(), {}
    for status, assignee_key, n in rows:
        if status == "~woken":
            woken[assignee_key] = n
        elif status[0] not in "~#":
            by_status[status] += n
            if status in OPEN_STATUSES:
                open_by_assignee[assignee_key] += n
    for assignee_key, n in woken.items():
        open_by_assignee[assignee_key] += n
    woken_total = sum(woken.values())
    counts = {
        "open": sum(by_status[s] for s in OPEN_STATUSES) + woken_total,
        "mine": 0,  # the teammate's, set per request
        "unassigned": open_by_assignee.get(0, 0),
        "priority": by_status["priority"],
        "snoozed": by_status["snoozed"] - woken_total,
        "resolved": by_status["resolved"],
        "spam": by_status["spam"],
        "all": sum(by_status.values()) - by_status["merged"],
        "mentions": 0,  # the teammate's, set per request
    }
    return _Kept(stamp, minute(now), now, until, counts, dict(open_by_assignee), woken_total)
