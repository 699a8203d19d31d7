"""The notifications written for teammates when something needs them (no commit: each
belongs to the caller's change, and is pushed to their pages when that commits).

Elsewhere: a mention (tickets/mentions.py), a snooze that ended (tickets/snooze.py), an SLA
target missed (service_levels/sla.py), a webhook turned off (integrations/webhooks)."""
from datetime import datetime

from sqlalchemy import select

from halo.extensions import db
from halo.models import Ticket, User
from halo.services.access import scope as access_scope
from halo.services.notifications import prefs
from halo.services.tickets.notifications import notify


def _about(ticket: Ticket) -> str:
    return f"#{ticket.id}" + (f": {ticket.subject}" if ticket.subject else "")


def assigned(ticket: Ticket, assignee_id: int | None, actor_id: int | None, now: datetime) -> None:
    """Tell a teammate a ticket was given to them (not when they took it themself)."""
    if assignee_id is None or assignee_id == actor_id:
        return
    actor = db.session.get(User, actor_id) if actor_id else None
    notify(assignee_id, ticket.id, "assigned", f"{actor.name if actor else 'Halo'} assigned you {_about(ticket)}", now)


def chat_waiting(ticket: Ticket, now: datetime) -> None:
    """A chat waits for a person: tell every teammate who works its inbox and wants to hear."""
    who = (ticket.customer.display_name if ticket.customer else None) or "A visitor"
    text = f"{who} is waiting in chat {_about(ticket)}"
    users = db.session.scalars(select(User).where(User.active.is_(True), User.role != "readonly")
                               .order_by(User.id)).all()
    for user in users:
        if prefs.of(user).chats and access_scope.user_sees_inbox(user.id, ticket.inbox_id):
            notify(user.id, ticket.id, "chat_waiting", text, now)
