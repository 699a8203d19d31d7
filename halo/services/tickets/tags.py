"""Tags: labels on tickets, with an event line for every change (like status and assignee).

A tag's name keeps the case it was first written in; two names that differ only in case
are one tag. set_tags replaces a ticket's tags with a list and writes what was added and
removed; nothing is written when the list is the same.
"""
import re
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import delete, select

from halo import clock
from halo.extensions import db
from halo.models import Message, Tag, Ticket, TicketTag
from halo.services.access import roles
from halo.services.errors import ValidationError
from halo.services.tickets import status

NAME = re.compile(r"^[\w][\w .&+:/-]{0,39}$")
MAX_TAGS = 30


def clean_names(names: list[str]) -> list[str]:
    """Names trimmed, checked and without case-insensitive repeats, in the order given."""
    out, seen = [], set()
    for raw in names:
        name = " ".join(str(raw).split())
        if not NAME.match(name):
            raise ValidationError(gettext("Tag %(raw)s must be 1-40 letters, digits, spaces or - _ . & + : /, starting with a letter or digit.", raw=f'{raw!r}'))
        if name.lower() not in seen:
            seen.add(name.lower())
            out.append(name)
    if len(out) > MAX_TAGS:
        raise ValidationError(gettext("A ticket carries at most %(MAX_TAGS)s tags.", MAX_TAGS=MAX_TAGS))
    return out


def tags_of(ticket_ids: list[int]) -> dict[int, list[str]]:
    """Each ticket's tag names, by name, in one query."""
    out: dict[int, list[str]] = {i: [] for i in ticket_ids}
    if ticket_ids:
        rows = db.session.execute(select(TicketTag.ticket_id, Tag.name).join(Tag, Tag.id == TicketTag.tag_id)
                                  .where(TicketTag.ticket_id.in_(ticket_ids)).order_by(Tag.name_key))
        for ticket_id, name in rows:
            out[ticket_id].append(name)
    return out


def labels_of(ticket_ids: list[int]) -> dict[int, list[tuple[str, str | None]]]:
    """Each ticket's (name, colour) pairs, by name, in one query (the inbox rows)."""
    out: dict[int, list[tuple[str, str | None]]] = {i: [] for i in ticket_ids}
    if ticket_ids:
        rows = db.session.execute(select(TicketTag.ticket_id, Tag.name, Tag.colour)
                                  .join(Tag, Tag.id == TicketTag.tag_id)
                                  .where(TicketTag.ticket_id.in_(ticket_ids)).order_by(Tag.name_key))
        for ticket_id, name, colour in rows:
            out[ticket_id].append((name, colour))
    return out


def _tag(name: str, now: datetime) -> Tag:
    tag = db.session.scalar(select(Tag).where(Tag.name_key == name.lower()))
    if tag is None:
        tag = Tag(name=name, name_key=name.lower(), created_at=now)
        db.session.add(tag)
        db.session.flush()
    return tag


def apply_tags(ticket: Ticket, names: list[str], actor_id: int | None, now: datetime) -> Message | None:
    """Replace the ticket's tags (no commit); the event line, or None when nothing changed."""
    names = clean_names(names)
    current = tags_of([ticket.id])[ticket.id]
    wanted = {n.lower(): n for n in names}
    have = {n.lower(): n for n in current}
    added = [wanted[k] for k in wanted if k not in have]
    removed = [have[k] for k in have if k not in wanted]
    if not added and not removed:
        return None
    for name in added:
        db.session.add(TicketTag(ticket_id=ticket.id, tag_id=_tag(name, now).id))
    if removed:
        gone = select(Tag.id).where(Tag.name_key.in_([n.lower() for n in removed]))
        db.session.execute(delete(TicketTag).where(TicketTag.ticket_id == ticket.id,
                                                   TicketTag.tag_id.in_(gone)))
    event = Message(ticket_id=ticket.id, kind="event", event_type="tags",
                    event_data={"added": added, "removed": removed}, author_id=actor_id,
                    created_at=now)
    db.session.add(event)
    return event


def change_tag(ticket_id: int, name: str, actor_id: int | None, add: bool,
               now: datetime | None = None) -> Message | None:
    """Add one tag to a ticket, or take one off (the header's tag box, bulk actions, the AI);
    the event line, or None when the ticket already was so."""
    now = now or clock.now()
    roles.require(actor_id, "work")
    ticket = status.get_ticket(ticket_id)
    if ticket.status == "merged":
        raise ValidationError(gettext("Ticket #%(id)s was merged into #%(merged_into_id)s; tag that one.", id=ticket.id, merged_into_id=ticket.merged_into_id))
    name = clean_names([name])[0] if str(name or "").strip() else ""
    if not name:
        raise ValidationError(gettext("Type a tag name."))
    current = tags_of([ticket.id])[ticket.id]
    if add:
        wanted = current + [name]
    else:
        wanted = [n for n in current if n.lower() != name.lower()]
    try:
        event = apply_tags(ticket, wanted, actor_id, now)
    except ValidationError:
        db.session.rollback()
        raise
    db.session.commit()
    return event


def tagged_condition(names: list[str]):
    """An SQL condition on Ticket: carries every one of names (case-insensitive)."""
    conditions = [Ticket.id.in_(select(TicketTag.ticket_id).join(Tag, Tag.id == TicketTag.tag_id)
                                .where(Tag.name_key == name.lower())) for name in names]
    return db.and_(*conditions)
