"""Teammates (read) and segments, the team's saved filters (read, with their counts)."""
from urllib.parse import parse_qs

from flask_babel import gettext
from pydantic import BaseModel, Field

from halo import clock
from halo.blueprints.api.spec import endpoint, principal
from halo.services.errors import NotFound
from halo.services.inbox import segments
from halo.services.inbox.segment_counts import count_tickets
from halo.services.integrations import reach
from halo.services.tickets.assignment import team


class TeammateOut(BaseModel):
    id: int
    name: str
    handle: str
    email: str
    role: str
    active: bool


class TeammateList(BaseModel):
    data: list[TeammateOut]


class SegmentOut(BaseModel):
    id: int
    name: str
    shared: bool = Field(description="shared with the team (else private to its owner)")
    view: str
    query: str = Field(description="the filter, as the ticket list's query string takes it")
    filters: dict[str, list[str]]
    count: int = Field(description="tickets the segment lists now")


class SegmentList(BaseModel):
    data: list[SegmentOut]


def _teammates():
    return [TeammateOut(id=t.id, name=t.name, handle=t.handle, email=t.email, role=t.role,
                        active=t.active) for t in team()]


@endpoint("read", resp=TeammateList, tags=("teammates",))
def list_teammates():
    """List teammates"""
    return TeammateList(data=_teammates())


@endpoint("read", resp=TeammateOut, tags=("teammates",))
def get_teammate(user_id: int):
    """Get a teammate"""
    for mate in _teammates():
        if mate.id == user_id:
            return mate
    raise NotFound(gettext("Teammate #%(user_id)s does not exist.", user_id=user_id))


def _segment_out(segment, user_id: int) -> SegmentOut:
    return SegmentOut(id=segment.id, name=segment.name, shared=segment.shared, view=segment.view,
                      query=segment.query, filters=parse_qs(segment.query),
                      count=count_tickets(segment.view, segment.query, user_id, clock.now()))


def _visible(user_id: int):
    if user_id == reach.NOBODY:  # a workspace token: the team's segments
        return segments.team_segments()
    return segments.visible_segments(user_id)


@endpoint("read", resp=SegmentList, tags=("segments",))
def list_segments():
    """List segments

    The team's segments and the token owner's own, each with how many tickets it lists."""
    user_id = reach.acting_user_id(principal())
    return SegmentList(data=[_segment_out(s, user_id) for s in _visible(user_id)])


@endpoint("read", resp=SegmentOut, tags=("segments",))
def get_segment(segment_id: int):
    """Get a segment, with its count"""
    user_id = reach.acting_user_id(principal())
    for segment in _visible(user_id):
        if segment.id == segment_id:
            return _segment_out(segment, user_id)
    raise NotFound(gettext("Segment #%(segment_id)s does not exist.", segment_id=segment_id))
