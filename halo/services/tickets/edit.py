"""Changing several things about a ticket at once (status, assignee, tags): every change
checked before any is made, one event line each, one commit. The API's PATCH uses it;
each change follows the same rules as the ticket page's controls."""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext

from halo import clock
from halo.extensions import db
from halo.models import Message
from halo.services.errors import ValidationError
from halo.services.tickets import tags as ticket_tags
from halo.services.tickets.assignment import apply_assignee
from halo.services.tickets.status import apply_status, check_transition, get_ticket

UNSET = object()


@dataclass
class Changes:
    """What to change; fields left UNSET stay as they are."""
    status: object = UNSET
    snoozed_until: datetime | None = None
    assignee_id: object = UNSET  # None unassigns
    tags: object = UNSET  # a list of names replaces the ticket's tags


def update_ticket(ticket_id: int, actor_id: int | None, changes: Changes,
                  now: datetime | None = None) -> list[Message]:
    """Apply changes to a ticket; returns the event lines written (none when nothing changed)."""
    now = now or clock.now()
    ticket = get_ticket(ticket_id)
    if ticket.status == "merged":
        raise ValidationError(gettext("Ticket #%(id)s was merged into #%(merged_into_id)s; change that one.", id=ticket.id, merged_into_id=ticket.merged_into_id))
    if changes.tags is not UNSET:
        ticket_tags.clean_names(changes.tags)  # checked before anything is written
    status = changes.status
    if status is not UNSET:
        if status == "snoozed":
            if changes.snoozed_until is None:
                raise ValidationError(gettext("Choose when the snooze should end (snoozed_until)."))
            if changes.snoozed_until <= now:
                raise ValidationError(gettext("The snooze time must be in the future."))
        elif changes.snoozed_until is not None:
            raise ValidationError(gettext("snoozed_until goes with status 'snoozed' only."))
        if ticket.status != status:
            check_transition(ticket.status, status)
    events = []
    try:
        if status is not UNSET and (ticket.status != status or status == "snoozed"):
            events.append(apply_status(ticket, status, actor_id, changes.snoozed_until, now, reason=None))
        if changes.assignee_id is not UNSET:
            events.append(apply_assignee(ticket, changes.assignee_id, actor_id, now))
        if changes.tags is not UNSET:
            events.append(ticket_tags.apply_tags(ticket, changes.tags, actor_id, now))
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return [e for e in events if e is not None]
