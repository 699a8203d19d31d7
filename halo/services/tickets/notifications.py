"""Teammates' notifications (a mention, an assignment, a chat waiting, a snooze ended, an SLA
target missed) and the sidebar badge count."""
from datetime import datetime

from sqlalchemy import exists, func, or_, select, true, update

from halo import clock
from halo.extensions import db
from halo.models import Notification, Ticket
from halo.services import events
from halo.services.access import scope as access_scope


def notify(user_id: int, ticket_id: int | None, kind: str, text: str,
           now: datetime | None = None) -> Notification:
    """Add a notification (no commit: it belongs to the caller's change)."""
    note = Notification(user_id=user_id, ticket_id=ticket_id, kind=kind, text=text[:300],
                        created_at=now or clock.now())
    db.session.add(note)
    events.notification_added(note)  # their open pages show it once this commits
    return note


# The badge counts unread notifications up to here and shows more as "99+" (as most apps'
# badges do): counting a backlog of thousands, each one's ticket checked against the
# teammate's inboxes, cost every page more the larger the backlog (bench/README.md,
# "Mentions at 1,000,000 tickets").
BADGE_CAP = 99


def unread_count(user_id: int) -> int:
    """The sidebar badge (of tickets the open access scope sees), up to BADGE_CAP + 1."""
    unread = select(Notification.id).where(
        Notification.user_id == user_id, Notification.read_at.is_(None), _seen()).limit(BADGE_CAP + 1)
    return db.session.scalar(select(func.count()).select_from(unread.subquery())) or 0


def recent(user_id: int, limit: int = 50) -> list[Notification]:
    """The newest notifications, unread first (of tickets the open access scope sees)."""
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user_id, _seen())
        .order_by(Notification.read_at.is_not(None), Notification.created_at.desc()).limit(limit)))


def _seen():
    """Notifications of no ticket, or of a ticket the open access scope sees."""
    if access_scope.inbox_ids() is None:
        return true()
    on_seen = exists().where(Ticket.id == Notification.ticket_id,
                             access_scope.inbox_condition(Ticket.inbox_id, access_scope.inbox_ids()))
    return or_(Notification.ticket_id.is_(None), on_seen)


def mark_all_read(user_id: int, now: datetime | None = None) -> None:
    """Clear the badge."""
    db.session.execute(update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)).values(read_at=now or clock.now()))
    db.session.commit()

