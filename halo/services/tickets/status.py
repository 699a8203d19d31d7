"""Status rules: which changes are allowed, and the event each one writes.

DESIGN.md names the statuses: Open, Priority, In Progress, Snoozed, Resolved, Spam;
Reopen returns to Open. The table below (also in the README) adds two rules: a Spam
ticket is reopened ("not spam") before anything else, and a Resolved ticket is reopened
before it is snoozed (a snooze brings a ticket back, and a resolved one is not waiting).
Setting the status a ticket already has changes nothing (a double click must not write
two events); snoozing a snoozed ticket again moves its time.
"""
from datetime import datetime
from typing import NamedTuple

from flask_babel import gettext
from sqlalchemy import bindparam, select

from halo import clock
from halo.extensions import db
from halo.i18n import N_
from halo.models import STATUS_LABELS, Customer, Message, Ticket
from halo.services.access import roles
from halo.services.access import scope as access_scope
from halo.services.errors import InvalidTransition, NotFound, ValidationError

# target status -> statuses it may be reached from
ALLOWED_FROM = {
    "open": {"priority", "in_progress", "snoozed", "resolved", "spam"},
    "priority": {"open", "in_progress", "snoozed", "resolved"},
    "in_progress": {"open", "priority", "snoozed", "resolved"},
    "snoozed": {"open", "priority", "in_progress"},
    "resolved": {"open", "priority", "in_progress", "snoozed"},
    "spam": {"open", "priority", "in_progress", "snoozed", "resolved"},
}


# The status dropdown's order (a snooze is set with its time, through its own form).
MENU = ("open", "priority", "in_progress", "resolved", "spam")


def choices(current: str) -> list[str]:
    """What the status dropdown offers a ticket: its own status and what may follow it."""
    return [s for s in MENU if s == current or current in ALLOWED_FROM[s]]


def get_ticket(ticket_id: int) -> Ticket:
    """The ticket, or NotFound (also when the open access scope does not see it)."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or not access_scope.sees_ticket(ticket):
        raise NotFound(gettext("Ticket #%(ticket_id)s does not exist.", ticket_id=ticket_id))
    return ticket


class CustomerLanguage(NamedTuple):
    """What translate/tickets.stated_language reads of a customer."""
    traits: dict | None
    language: str | None


class TicketHead(NamedTuple):
    """What the ticket page is kept by and checks before it renders (blueprints/tickets/
    views.py), read as one row: loading the ticket with its customer and assignee cost a
    fifth of a warm ticket page's CPU, and a kept page needs none of it."""
    id: int
    inbox_id: int | None
    channel: str
    status: str
    snoozed_until: datetime | None
    thread_rev: int
    customer: CustomerLanguage

    def snooze_expired(self, now: datetime) -> bool:
        return Ticket.snooze_expired(self, now)  # the one rule, on these fields


_HEAD = (select(Ticket.id, Ticket.inbox_id, Ticket.channel, Ticket.status, Ticket.snoozed_until,
                Ticket.thread_rev, Customer.traits, Customer.language)
         .join(Customer, Customer.id == Ticket.customer_id).where(Ticket.id == bindparam("ticket_id")))


def get_head(ticket_id: int) -> TicketHead:
    """The ticket's head, or NotFound as get_ticket (the open access scope narrows the
    read too)."""
    row = db.session.execute(_HEAD, {"ticket_id": ticket_id}).first()
    head = row and TicketHead(*row[:6], CustomerLanguage(*row[6:]))
    if head is None or not access_scope.sees_ticket(head):
        raise NotFound(gettext("Ticket #%(ticket_id)s does not exist.", ticket_id=ticket_id))
    return head


def check_transition(current: str, target: str) -> None:
    """Raise InvalidTransition when target cannot follow current."""
    if target not in ALLOWED_FROM:
        raise ValidationError(gettext("Unknown status %(target)s.", target=f'{target!r}'))
    if current not in ALLOWED_FROM[target]:
        labels = {"current": gettext(STATUS_LABELS[current]), "target": gettext(STATUS_LABELS[target])}
        if current in ("resolved", "spam"):
            raise InvalidTransition(gettext("A %(current)s ticket cannot be set to %(target)s (reopen it first).", **labels))
        raise InvalidTransition(gettext("A %(current)s ticket cannot be set to %(target)s.", **labels))


def change_status(ticket_id: int, target: str, actor_id: int | None,
                  until: datetime | None = None, now: datetime | None = None) -> Message | None:
    """Move a ticket to target; returns the event written, or None if nothing changed."""
    now = now or clock.now()
    roles.require(actor_id, "work")
    ticket = get_ticket(ticket_id)
    if target == "snoozed":
        if until is None:
            raise ValidationError(gettext("Choose when the snooze should end."))
        if until <= now:
            raise ValidationError(gettext("The snooze time must be in the future."))
    if ticket.status == target and target != "snoozed":
        return None
    if ticket.status != target:
        check_transition(ticket.status, target)
    event = apply_status(ticket, target, actor_id, until, now, reason=None)
    db.session.commit()
    return event


def apply_status(ticket: Ticket, target: str, actor_id, until, now, reason) -> Message:
    """Set the status and write the event line, within a caller's transaction (no commit,
    no transition check: the caller applies its own rule, as the AI and ingest do)."""
    data = {"from": ticket.status, "to": target}
    if target == "snoozed":
        ticket.snoozed_until, ticket.snoozed_by_id = until, actor_id
        data["until"] = until.isoformat()
    else:
        ticket.snoozed_until = ticket.snoozed_by_id = None
    if reason:
        data["reason"] = reason
    ticket.status = target
    event = Message(ticket_id=ticket.id, kind="event", event_type="status",
                    event_data=data, author_id=actor_id, created_at=now)
    db.session.add(event)
    return event


def on_customer_activity(ticket: Ticket, now: datetime) -> Message | None:
    """New customer activity unsnoozes a snoozed ticket and reopens a resolved one (no commit)."""
    if ticket.status == "snoozed":
        return apply_status(ticket, "open", None, None, now, reason=N_("customer replied"))
    if ticket.status == "resolved":
        return apply_status(ticket, "open", None, None, now, reason=N_("customer replied"))
    return None


def wake_expired_snoozes(now: datetime | None = None, ids: list[int] | None = None) -> list[int]:
    """Return snoozed tickets whose time has passed (of ids, when given) to Open; returns their ids."""
    now = now or clock.now()
    query = db.select(Ticket).where(Ticket.status == "snoozed", Ticket.snoozed_until <= now)
    if ids is not None:
        query = query.where(Ticket.id.in_(ids))
    due = db.session.scalars(query.order_by(Ticket.id).limit(500)).all()
    for ticket in due:
        apply_status(ticket, "open", None, None, now, reason=N_("snooze ended"))
    db.session.commit()
    return [t.id for t in due]
