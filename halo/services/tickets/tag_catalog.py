"""The workspace's tags as a list an admin keeps (Settings > Tags) and agents pick from.

Colours come from a fixed palette (PALETTE): each is a light background with a dark text
colour chosen in halo.css to keep a contrast of at least 4.5:1 (WCAG AA), so no admin's
choice can make a tag unreadable. Renaming keeps every ticket's tag (tickets hold the tag's
id, not its name); deleting takes the tag off every ticket. Both are in the audit log.
"""
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import func, select

from halo.extensions import db
from halo.models import SlaPolicy, Tag, TicketTag
from halo.services import audit
from halo.services.access import roles
from halo.services.errors import NotFound, ValidationError
from halo.services.tickets.tags import clean_names

PALETTE = {
    "grey": "Grey", "red": "Red", "orange": "Orange", "yellow": "Yellow", "green": "Green",
    "teal": "Teal", "blue": "Blue", "indigo": "Indigo", "purple": "Purple", "pink": "Pink",
}
SUGGESTIONS = 8


@dataclass(frozen=True)
class TagInfo:
    id: int
    name: str
    colour: str
    tickets: int = 0


def colour_of(value: str | None) -> str:
    """A stored colour as a palette key (anything unknown reads as grey)."""
    return value if value in PALETTE else "grey"


def colours(names: set[str] | None = None) -> dict[str, str]:
    """Palette key by lower-cased tag name, for every tag or only those named."""
    query = select(Tag.name_key, Tag.colour)
    if names is not None:
        if not names:
            return {}
        query = query.where(Tag.name_key.in_([n.lower() for n in names]))
    return {key: colour_of(colour) for key, colour in db.session.execute(query)}


def list_tags() -> list[TagInfo]:
    """Every tag, by name, with how many tickets carry it (Settings > Tags)."""
    used = (select(TicketTag.tag_id, func.count().label("n")).group_by(TicketTag.tag_id).subquery())
    rows = db.session.execute(select(Tag.id, Tag.name, Tag.colour, func.coalesce(used.c.n, 0))
                              .outerjoin(used, used.c.tag_id == Tag.id).order_by(Tag.name_key))
    return [TagInfo(i, name, colour_of(colour), n) for i, name, colour, n in rows]


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def suggest(typed: str, exclude: list[str] = (), limit: int = SUGGESTIONS) -> list[TagInfo]:
    """Existing tags for what was typed: names starting with it first, then containing it."""
    text = " ".join(str(typed or "").split()).lower()[:40]
    skip = {n.lower() for n in exclude}
    base = select(Tag.id, Tag.name, Tag.colour).order_by(Tag.name_key).limit(limit + len(skip))
    if not text:
        found = list(db.session.execute(base))
    else:
        starts = db.session.execute(base.where(Tag.name_key.like(_like(text) + "%", escape="\\"))).all()
        within = db.session.execute(base.where(Tag.name_key.like("%" + _like(text) + "%", escape="\\"),
                                               Tag.name_key.notlike(_like(text) + "%", escape="\\"))).all()
        found = starts + within
    out = [TagInfo(i, name, colour_of(colour)) for i, name, colour in found if name.lower() not in skip]
    return out[:limit]


def _get(tag_id: int) -> Tag:
    tag = db.session.get(Tag, tag_id)
    if tag is None:
        raise NotFound(gettext("That tag does not exist (it may have been deleted)."))
    return tag


def update_tag(tag_id: int, actor_id: int | None, name: str | None = None,
               colour: str | None = None) -> Tag:
    """Rename and/or recolour a tag (admins); a name another tag has is refused."""
    roles.require(actor_id, "admin")
    tag = _get(tag_id)
    before = {"name": tag.name, "colour": colour_of(tag.colour)}
    if colour is not None:
        if colour not in PALETTE:
            raise ValidationError(gettext("Choose a colour from the palette (%(join)s).", join=', '.join(PALETTE.values())))
        tag.colour = None if colour == "grey" else colour
    if name is not None:
        new = clean_names([name])[0] if name.strip() else ""
        if not new:
            raise ValidationError(gettext("A tag needs a name."))
        other = db.session.scalar(select(Tag.id).where(Tag.name_key == new.lower(), Tag.id != tag.id))
        if other is not None:
            raise ValidationError(gettext("There is a tag called “%(new)s” already: delete one of them, or choose another name.", new=new))
        tag.name, tag.name_key = new, new.lower()
    after = {"name": tag.name, "colour": colour_of(tag.colour)}
    if after != before:
        audit.record(actor_id, "settings_changed", f"tag {before['name']}",
                     {"tag": {"from": before, "to": after}}, commit=False)
    db.session.commit()
    return tag


def delete_tag(tag_id: int, actor_id: int | None) -> int:
    """Delete a tag and take it off every ticket (admins); returns how many carried it. A tag
    an SLA policy asks for stays until the policy is changed (deleting it would widen or drop
    the policy without anyone deciding to)."""
    roles.require(actor_id, "admin")
    tag = _get(tag_id)
    policy = db.session.scalar(select(SlaPolicy.name).where(SlaPolicy.tag_id == tag.id).limit(1))
    if policy is not None:
        raise ValidationError(gettext("The SLA policy “%(policy)s” applies to tickets tagged "
                                      "“%(tag)s”: change or delete that policy first.",
                                      policy=policy, tag=tag.name))
    carried = db.session.scalar(select(func.count()).where(TicketTag.tag_id == tag.id))
    db.session.execute(TicketTag.__table__.delete().where(TicketTag.tag_id == tag.id))
    audit.record(actor_id, "settings_changed", f"tag {tag.name}",
                 {"tag": {"deleted": tag.name, "tickets": carried}}, commit=False)
    db.session.delete(tag)
    db.session.commit()
    return carried
