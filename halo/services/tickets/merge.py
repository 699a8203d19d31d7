"""Merge tickets into one, undo a merge from its event, and split a message off.

A merge moves the sources' messages (not their status events) into the target, marks
each with the ticket it came from, and leaves each source as a "merged" pointer to the
target. The merge event on the target records everything undo needs to put both sides
back exactly as they were.
"""
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import func, select

from halo import clock
from halo.extensions import db
from halo.models import Customer, Mention, Message, Ticket
from halo.services import events
from halo.services.access import roles
from halo.services.errors import NotFound, ValidationError
from halo.services.tickets.status import get_ticket

MERGEABLE = ("open", "priority")
MAX_SOURCES = 50
# Message kinds that belong to the conversation; status events stay on their ticket.
CONVERSATION = ("customer", "agent", "ai", "note")


def resolve_ticket(ticket_id: int | None) -> Ticket | None:
    """The ticket that now holds ticket_id's conversation (follows merged_into_id)."""
    ticket = db.session.get(Ticket, ticket_id) if ticket_id else None
    for _ in range(20):  # a merge chain is short; the bound only guards against a cycle
        if ticket is None or ticket.merged_into_id is None:
            return ticket
        ticket = db.session.get(Ticket, ticket.merged_into_id)
    return ticket


def _email(ticket: Ticket) -> str:
    return (ticket.customer.email or "").strip().lower()


def merge_candidates(ticket_id: int) -> list[Ticket]:
    """Open or Priority tickets of the same customer email that may merge into this one."""
    ticket = get_ticket(ticket_id)
    email = _email(ticket)
    if not email or ticket.status not in MERGEABLE:
        return []
    return list(db.session.scalars(
        select(Ticket).join(Customer, Ticket.customer_id == Customer.id)
        .where(func.lower(Customer.email) == email, Ticket.id != ticket.id,
               Ticket.status.in_(MERGEABLE), Ticket.merged_into_id.is_(None))
        .order_by(Ticket.last_activity_at.desc()).limit(100)).unique())


def check_mergeable(target: Ticket, sources: list[Ticket]) -> None:
    """Raise ValidationError unless every source may merge into target."""
    if target.status not in MERGEABLE:
        raise ValidationError(gettext("Ticket #%(id)s is %(status_label)s: only Open or Priority tickets can be merged.", id=target.id, status_label=target.status_label))
    email = _email(target)
    if not email:
        raise ValidationError(gettext("This customer has no email address, so nothing can be merged."))
    for source in sources:
        if source.id == target.id:
            raise ValidationError(gettext("A ticket cannot be merged into itself."))
        if source.status not in MERGEABLE:
            raise ValidationError(gettext("Ticket #%(id)s is %(status_label)s: only Open or Priority tickets can be merged.", id=source.id, status_label=source.status_label))
        if _email(source) != email:
            raise ValidationError(gettext("Ticket #%(id)s belongs to another customer email.", id=source.id))


def merge_tickets(target_id: int, source_ids, actor_id: int | None,
                  now: datetime | None = None) -> Message:
    """Merge the source tickets into the target; returns the merge event on the target."""
    now = now or clock.now()
    ids = sorted({int(i) for i in source_ids or ()} - {int(target_id)}) if source_ids else []
    if not ids:
        raise ValidationError(gettext("Choose at least one other ticket to merge."))
    if len(ids) > MAX_SOURCES:
        raise ValidationError(gettext("Merge at most %(MAX_SOURCES)s tickets at once.", MAX_SOURCES=MAX_SOURCES))
    roles.require(actor_id, "work")
    target = get_ticket(target_id)
    sources = [get_ticket(i) for i in ids]
    check_mergeable(target, sources)
    record = {"sources": [], "target_before": {
        "last_activity_at": target.last_activity_at.isoformat(), "preview": target.preview}}
    for source in sources:
        record["sources"].append(_absorb(target, source, actor_id, now))
    event = Message(ticket_id=target.id, kind="event", event_type="merge", author_id=actor_id,
                    event_data=record, created_at=now)
    db.session.add(event)
    for source in sources:
        events.ticket_changed(source.id, "status")
    db.session.commit()
    return event


def _absorb(target: Ticket, source: Ticket, actor_id, now) -> dict:
    """Move one source's conversation into target and park the source (no commit)."""
    moved = db.session.scalars(select(Message).where(
        Message.ticket_id == source.id, Message.kind.in_(CONVERSATION))).all()
    mentions = db.session.scalars(select(Mention).where(Mention.ticket_id == source.id)).all()
    before = {"id": source.id, "status": source.status,
              "messages": [[m.id, m.origin_ticket_id] for m in moved],
              "mentions": [m.id for m in mentions]}
    for m in moved:
        m.ticket_id, m.origin_ticket_id = target.id, m.origin_ticket_id or source.id
        if m.created_at > target.last_activity_at and m.kind != "note":
            target.last_activity_at = m.created_at
            target.preview = " ".join((m.body_text or "").split())[:200]
    for mention in mentions:
        mention.ticket_id = target.id
    source.status = "merged"
    source.merged_into_id, source.merged_at = target.id, now
    db.session.add(Message(ticket_id=source.id, kind="event", event_type="merged_into",
                           author_id=actor_id, created_at=now,
                           event_data={"target_id": target.id}))
    return before


def undo_merge(event_id: int, actor_id: int | None, now: datetime | None = None) -> Message:
    """Put the target and every source back as they were before the merge event."""
    now = now or clock.now()
    roles.require(actor_id, "work")
    event = db.session.get(Message, event_id)
    if event is None or event.kind != "event" or event.event_type != "merge":
        raise NotFound(gettext("That merge does not exist."))
    data = dict(event.event_data or {})
    if data.get("undone_at"):
        raise ValidationError(gettext("This merge was already undone."))
    target = get_ticket(event.ticket_id)
    if target.merged_into_id is not None:
        raise ValidationError(gettext("Ticket #%(id)s was itself merged into #%(merged_into_id)s: undo that merge first.", id=target.id, merged_into_id=target.merged_into_id))
    sources = [db.session.get(Ticket, s["id"]) for s in data["sources"]]
    if any(s is None or s.merged_into_id != target.id for s in sources):
        raise ValidationError(gettext("These tickets have changed since the merge, so it cannot be undone."))
    for source, before in zip(sources, data["sources"]):
        _restore(target, source, before, actor_id, now)
    _restore_target_activity(target, data["target_before"])
    data["undone_at"], data["undone_by"] = now.isoformat(), actor_id
    event.event_data = data  # a new dict, so the JSON column sees the change
    undo = Message(ticket_id=target.id, kind="event", event_type="unmerge", author_id=actor_id,
                   created_at=now, event_data={"merge_event_id": event.id,
                                               "source_ids": [s.id for s in sources]})
    db.session.add(undo)
    for source in sources:
        events.ticket_changed(source.id, "status")
    db.session.commit()
    return undo


def _restore(target: Ticket, source: Ticket, before: dict, actor_id, now) -> None:
    """Move a source's messages and mentions back and give it its old status (no commit)."""
    origin = dict((mid, prev) for mid, prev in before["messages"])
    for m in db.session.scalars(select(Message).where(Message.id.in_(list(origin)))).all():
        if m.ticket_id == target.id:
            m.ticket_id, m.origin_ticket_id = source.id, origin[m.id]
    for mention in db.session.scalars(select(Mention).where(Mention.id.in_(before["mentions"]))):
        mention.ticket_id = source.id
    source.status = before["status"]
    source.merged_into_id = source.merged_at = None
    db.session.add(Message(ticket_id=source.id, kind="event", event_type="unmerged",
                           author_id=actor_id, created_at=now,
                           event_data={"target_id": target.id}))


def _restore_target_activity(target: Ticket, before: dict) -> None:
    """The target's activity time and preview as before, unless it has moved on since."""
    latest = db.session.scalar(select(func.max(Message.created_at)).where(
        Message.ticket_id == target.id, Message.kind.in_(("customer", "agent", "ai"))))
    old_at = datetime.fromisoformat(before["last_activity_at"])
    if latest is None or latest <= old_at:
        target.last_activity_at, target.preview = old_at, before["preview"]


def split_message(message_id: int, actor_id: int | None, now: datetime | None = None) -> Ticket:
    """Move one message into a new Open ticket for the same customer; returns the new ticket."""
    now = now or clock.now()
    roles.require(actor_id, "work")
    message = db.session.get(Message, message_id)
    if message is None:
        raise NotFound(gettext("That message does not exist."))
    if message.kind not in ("customer", "agent", "ai"):
        raise ValidationError(gettext("Only a customer's or a teammate's message can be split off."))
    source = get_ticket(message.ticket_id)
    if source.status == "merged":
        raise ValidationError(gettext("This ticket was merged; split from the ticket it was merged into."))
    others = db.session.scalar(select(func.count()).where(
        Message.ticket_id == source.id, Message.kind.in_(CONVERSATION), Message.id != message.id))
    if not others:
        raise ValidationError(gettext("This is the ticket's only message: there is nothing to split it from."))
    text = " ".join((message.body_text or "").split())
    ticket = Ticket(customer_id=source.customer_id, inbox_id=source.inbox_id,
                    channel=message.channel or source.channel,
                    subject=(text[:80] or source.subject)[:300], status="open",
                    created_at=now, last_activity_at=now, preview=text[:200])
    db.session.add(ticket)
    db.session.flush()
    message.ticket_id, message.origin_ticket_id = ticket.id, source.id
    for ticket_id, kind, other in ((source.id, "split_to", ticket.id), (ticket.id, "split_from", source.id)):
        db.session.add(Message(ticket_id=ticket_id, kind="event", event_type=kind, author_id=actor_id,
                               created_at=now, event_data={"ticket_id": other, "message_id": message.id}))
    db.session.commit()
    return ticket
