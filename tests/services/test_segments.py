"""Segments: saving, visibility, management rights, cached live counts; bulk actions."""
from urllib.parse import parse_qs

import pytest

from halo import clock
from halo.extensions import db
from halo.models import Message, Ticket
from halo.services.access import inboxes
from halo.services.errors import Forbidden, NotFound, ValidationError
from halo.services.inbox import segment_counts, segments
from halo.services.tickets import bulk
from tests.factories import make_customer, make_ticket, make_user


@pytest.fixture(autouse=True)
def _fresh_counts():
    segment_counts.reset_cache()


def test_save_stores_the_canonical_filter_and_counts_it():
    me = make_user()
    pro = make_customer(traits={"plan": "pro"})
    make_ticket(customer=pro)
    make_ticket(customer=pro, channel="chat")
    make_ticket(customer=make_customer(traits={"plan": "free"}))
    seg = segments.save_segment(me.id, "  Pro  email ", "open",
                                parse_qs("channel=email&trait=plan:pro&status="))
    assert seg.name == "Pro email" and seg.query == "channel=email&trait=plan%3Apro"
    assert [(s.id, s.name, n) for s, n in segments.sidebar(me.id, clock.now())] == [(seg.id, "Pro email", 1)]


def test_bad_segments_are_refused():
    me = make_user()
    with pytest.raises(ValidationError, match="name"):
        segments.save_segment(me.id, " ", "open", {})
    with pytest.raises(ValidationError, match="Unknown status"):
        segments.save_segment(me.id, "x", "open", {"status": ["nope"]})
    with pytest.raises(ValidationError, match="cannot be based"):
        segments.save_segment(me.id, "x", "mentions", {})


def test_private_segments_are_private_and_team_ones_admin_managed():
    owner, other = make_user(), make_user()
    admin = make_user(role="admin")
    mine = segments.save_segment(owner.id, "Mine", "open", {})
    team = segments.save_segment(owner.id, "Team", "open", {}, shared=True)
    assert [s.id for s in segments.visible_segments(other.id)] == [team.id]
    with pytest.raises(NotFound):
        segments.get_segment(mine.id, other.id)
    with pytest.raises(Forbidden):
        segments.update_segment(team.id, other.id, pinned=False)
    segments.update_segment(team.id, admin.id, name="Renamed", pinned=False)
    assert team.name == "Renamed" and segments.visible_segments(other.id, pinned_only=True) == []
    assert segments.team_segments() == [team]
    segments.delete_segment(team.id, admin.id)
    assert segments.visible_segments(other.id) == []


def test_counts_are_cached_and_follow_ticket_changes():
    me = make_user()
    make_ticket()
    ticks = iter([100.0, 101.0, 103.0, 106.0, 107.0])
    count = lambda: segment_counts.count_tickets("open", "channel=email", me.id, clock.now(),  # noqa: E731
                                                 clock=lambda: next(ticks))
    assert count() == 1
    make_ticket()
    assert count() == 1   # within MIN_AGE: the cached count, even though a ticket changed
    assert count() == 2   # past MIN_AGE and something changed: recounted
    db.session.execute(Ticket.__table__.insert().values(  # a write this process did not flush
        subject="x", customer_id=make_customer().id, inbox_id=inboxes.default_inbox_id(),
        channel="email", status="open", bucket="open", preview="", created_at=clock.now(), last_activity_at=clock.now()))
    db.session.commit()
    assert count() == 3   # bulk statements count as changes too
    assert count() == 3


def test_counts_per_person_when_the_filter_says_me():
    me, you = make_user(), make_user()
    make_ticket(assignee_id=me.id)
    assert segment_counts.count_tickets("open", "assignee=me", me.id, clock.now()) == 1
    assert segment_counts.count_tickets("open", "assignee=me", you.id, clock.now()) == 0


def test_bulk_status_reports_each_skipped_ticket():
    me = make_user()
    a, b = make_ticket(), make_ticket()
    done = make_ticket(status="spam")
    result = bulk.bulk_update([a.id, b.id, done.id, 999999], "status", "in_progress", me.id)
    assert result.updated == [a.id, b.id]
    assert result.skipped == [(done.id, "is Spam"), (999999, "Ticket #999999 does not exist")]
    assert result.summary().startswith(f"2 updated, 2 skipped: #{done.id}: is Spam")
    events = db.session.scalars(db.select(Message).where(Message.event_type == "status")).all()
    assert sorted(e.ticket_id for e in events) == [a.id, b.id]


def test_bulk_assign_spam_and_bad_input():
    me, sara = make_user(), make_user()
    a, b = make_ticket(), make_ticket(assignee_id=sara.id)
    result = bulk.bulk_update([a.id, b.id], "assign", str(sara.id), me.id)
    assert result.updated == [a.id] and result.unchanged == [b.id]
    assert bulk.bulk_update([a.id], "assign", "me", me.id).updated == [a.id]
    assert bulk.bulk_update([a.id, b.id], "spam", None, me.id).updated == [a.id, b.id]
    assert db.session.get(Ticket, a.id).status == "spam"
    for ids, action, value, reason in (([], "status", "open", "Select at least one"),
                                       (["x"], "status", "open", "must be numbers"),
                                       ([a.id], "explode", None, "Unknown bulk action"),
                                       ([a.id], "status", "snoozed", "one at a time"),
                                       ([a.id], "merge", None, "at least two")):
        with pytest.raises(ValidationError, match=reason):
            bulk.bulk_update(ids, action, value, me.id)


def test_bulk_merge_into_the_oldest_and_reports_the_ineligible():
    me = make_user()
    customer = make_customer()
    first = make_ticket(customer=customer)
    second = make_ticket(customer=customer)
    stranger = make_ticket()
    result = bulk.bulk_update([stranger.id, second.id, first.id], "merge", None, me.id)
    assert result.updated == [second.id]
    assert [tid for tid, _ in result.skipped] == [stranger.id]
    assert db.session.get(Ticket, second.id).merged_into_id == first.id
