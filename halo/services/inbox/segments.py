"""Segments: saved filters, private or shared with the team; pinned ones become sidebar inboxes."""
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import or_, select

from halo.extensions import db
from halo.models import Segment, User
from halo.services.errors import Forbidden, NotFound, ValidationError
from halo.services.inbox import stamps
from halo.services.inbox.filters import parse_filters, to_query
from halo.services.inbox.segment_counts import count_tickets
from halo.services.inbox.views import VIEWS


def _canonical(view: str, query_args: dict[str, list[str]]) -> tuple[str, str]:
    if view not in VIEWS or view == "mentions":
        raise ValidationError(gettext("A segment cannot be based on the %(view)s view.", view=f'{view!r}'))
    return view, to_query(parse_filters(query_args))


def save_segment(owner_id: int, name: str, view: str, query_args: dict[str, list[str]],
                 shared: bool = False, pinned: bool = True) -> Segment:
    """Save a filter by name; the filter is validated and stored in its canonical form."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(gettext("Give the segment a name."))
    if len(name) > 80:
        raise ValidationError(gettext("Keep the name under 80 characters."))
    view, query = _canonical(view, query_args)
    position = db.session.scalar(select(db.func.coalesce(db.func.max(Segment.position), 0))) + 1
    segment = Segment(name=name, owner_id=owner_id, shared=shared, pinned=pinned, view=view,
                      query=query, position=position)
    db.session.add(segment)
    db.session.commit()
    return segment


def visible_segments(user_id: int, pinned_only: bool = False) -> list[Segment]:
    """The team's segments and the user's private ones, in sidebar order."""
    query = select(Segment).where(or_(Segment.shared.is_(True), Segment.owner_id == user_id))
    if pinned_only:
        query = query.where(Segment.pinned.is_(True))
    return db.session.scalars(query.order_by(Segment.position, Segment.id)).all()


def team_segments() -> list[Segment]:
    """Shared segments, for Settings > Inbox Views."""
    return db.session.scalars(select(Segment).where(Segment.shared.is_(True))
                              .order_by(Segment.position, Segment.id)).all()


def get_segment(segment_id: int, user_id: int) -> Segment:
    """A segment the user may see, or NotFound."""
    segment = db.session.get(Segment, segment_id)
    if segment is None or not (segment.shared or segment.owner_id == user_id):
        raise NotFound(gettext("Segment #%(segment_id)s does not exist.", segment_id=segment_id))
    return segment


def _editable(segment_id: int, user_id: int) -> Segment:
    segment = get_segment(segment_id, user_id)
    user = db.session.get(User, user_id)
    if segment.owner_id != user_id and not (segment.shared and user is not None and user.is_admin):
        raise Forbidden(gettext("Only an admin or its owner can change a team segment."))
    return segment


def update_segment(segment_id: int, user_id: int, name: str | None = None,
                   pinned: bool | None = None, shared: bool | None = None) -> Segment:
    """Rename, pin/unpin or share/unshare a segment (owner, or an admin for team segments)."""
    segment = _editable(segment_id, user_id)
    if name is not None:
        name = " ".join(name.split())
        if not name or len(name) > 80:
            raise ValidationError(gettext("Give the segment a name under 80 characters."))
        segment.name = name
    if pinned is not None:
        segment.pinned = pinned
    if shared is not None:
        segment.shared = shared
    db.session.commit()
    return segment


def delete_segment(segment_id: int, user_id: int) -> None:
    """Remove a segment (owner, or an admin for team segments)."""
    db.session.delete(_editable(segment_id, user_id))
    db.session.commit()


@dataclass(frozen=True, slots=True)
class PinnedSegment:
    """A segment as the sidebar shows it: a plain copy, safe to keep between requests."""
    id: int
    name: str
    view: str
    query: str
    shared: bool


def sidebar(user_id: int, now) -> list[tuple[PinnedSegment, int]]:
    """Pinned segments with their live (briefly cached) ticket counts; the list itself is
    kept per process until the "segments" stamp moves on."""
    def load():
        return tuple(PinnedSegment(s.id, s.name, s.view, s.query, s.shared)
                     for s in visible_segments(user_id, pinned_only=True))
    pinned = stamps.cached(("pinned-segments", user_id, stamps.seen("segments")), load)
    return [(s, count_tickets(s.view, s.query, user_id, now)) for s in pinned]
