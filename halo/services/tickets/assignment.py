"""Assignment: a teammate or Unassigned, with an event for every change."""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext

from halo import clock
from halo.extensions import db
from halo.models import Message, Ticket, User
from halo.services.access import roles
from halo.services.access import scope as access_scope
from halo.services.errors import ValidationError
from halo.services.inbox import stamps
from halo.services.notifications import alerts
from halo.services.tickets.status import get_ticket


@dataclass(frozen=True, slots=True)
class Teammate:
    """A teammate as pages show them: a plain copy, safe to keep between requests."""
    id: int
    name: str
    handle: str
    email: str
    role: str
    active: bool
    initials: str


def team() -> tuple[Teammate, ...]:
    """Every teammate (deactivated ones too, for their history), by name; kept per process
    until the "team" stamp moves on."""
    def load():
        users = db.session.scalars(db.select(User).order_by(User.name, User.id)).all()
        return tuple(Teammate(u.id, u.name, u.handle, u.email, u.role, u.active, u.initials)
                     for u in users)
    return stamps.cached(("team", stamps.seen("team")), load)


def active_teammates() -> list[User]:
    """Teammates who can be assigned or mentioned, by name."""
    return db.session.scalars(
        db.select(User).where(User.active.is_(True)).order_by(User.name)).all()


def assign_ticket(ticket_id: int, assignee_id: int | None, actor_id: int | None,
                  now: datetime | None = None) -> Message | None:
    """Assign to an active teammate (None unassigns); returns the event, or None if unchanged."""
    roles.require(actor_id, "work")
    ticket = get_ticket(ticket_id)
    event = apply_assignee(ticket, assignee_id, actor_id, now or clock.now())
    db.session.commit()
    return event


def apply_assignee(ticket: Ticket, assignee_id, actor_id, now) -> Message | None:
    """Set the assignee and write the event line, within a caller's transaction (no commit)."""
    if assignee_id is not None:
        user = db.session.get(User, assignee_id)
        if user is None or not user.active:
            raise ValidationError(gettext("That teammate does not exist or is deactivated."))
        if not roles.can(user, "work"):
            raise ValidationError(gettext("%(name)s is read-only and cannot be assigned tickets.", name=user.name))
        if not access_scope.user_sees_inbox(user.id, ticket.inbox_id):
            raise ValidationError(gettext("%(name)s does not work this ticket's inbox.", name=user.name))
    if ticket.assignee_id == assignee_id:
        return None
    data = {"from": ticket.assignee_id, "to": assignee_id}
    ticket.assignee_id = assignee_id
    alerts.assigned(ticket, assignee_id, actor_id, now)
    event = Message(ticket_id=ticket.id, kind="event", event_type="assignment",
                    event_data=data, author_id=actor_id, created_at=now)
    db.session.add(event)
    return event
