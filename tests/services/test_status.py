"""Status rules against the table in DESIGN.md."""
from datetime import timedelta

import pytest

from halo.extensions import db
from halo.models import Message
from halo.services.errors import InvalidTransition, NotFound, ValidationError
from halo.services.tickets import status
from halo.services.tickets.status import (
    change_status,
    check_transition,
    on_customer_activity,
    wake_expired_snoozes,
)
from tests.factories import make_ticket, make_user

ALL = ("open", "priority", "in_progress", "snoozed", "resolved", "spam")


def events(ticket_id):
    return db.session.scalars(db.select(Message).where(
        Message.ticket_id == ticket_id, Message.kind == "event").order_by(Message.id)).all()


# The status table, written out independently of halo/services/status.py (and shown in
# the README): row = the ticket's status, column = the status chosen; "y" allowed,
# "-" refused, "=" no change (no event).
TABLE = """
              open  priority  in_progress  snoozed  resolved  spam
open           =       y          y           y        y        y
priority       y       =          y           y        y        y
in_progress    y       y          =           y        y        y
snoozed        y       y          y           y        y        y
resolved       y       y          y           -        =        y
spam           y       -          -           -        -        =
"""
_ROWS = [line.split() for line in TABLE.strip().splitlines()]
CASES = [(row[0], target, mark) for row in _ROWS[1:] for target, mark in zip(_ROWS[0], row[1:])]


def test_the_table_covers_every_pair():
    assert {(c, t) for c, t, _ in CASES} == {(c, t) for c in ALL for t in ALL}


@pytest.mark.parametrize("current,target,mark", CASES)
def test_transition_table(current, target, mark, frozen):
    user = make_user()
    later = frozen.start + timedelta(hours=1)
    ticket = make_ticket(status=current, snoozed_until=later if current == "snoozed" else None)
    until = frozen.start + timedelta(hours=2) if target == "snoozed" else None
    if mark == "=":
        assert change_status(ticket.id, target, user.id, until=until) is None
        assert events(ticket.id) == []
    elif mark == "y":
        event = change_status(ticket.id, target, user.id, until=until)
        assert db.session.get(type(ticket), ticket.id).status == target
        expected = {"from": current, "to": target}
        if until:
            expected["until"] = until.isoformat()
        assert event.event_data == expected
        assert event.author_id == user.id and event.created_at == frozen.start
    else:
        with pytest.raises(InvalidTransition, match="reopen it first"):
            change_status(ticket.id, target, user.id, until=until)
        assert db.session.get(type(ticket), ticket.id).status == current
        assert events(ticket.id) == []


def test_snoozing_a_snoozed_ticket_again_moves_its_time(frozen):
    user = make_user()
    ticket = make_ticket(status="snoozed", snoozed_until=frozen.start + timedelta(hours=1))
    change_status(ticket.id, "snoozed", user.id, until=frozen.start + timedelta(days=1))
    assert ticket.snoozed_until == frozen.start + timedelta(days=1)
    assert [e.event_data["to"] for e in events(ticket.id)] == ["snoozed"]


def test_snooze_needs_a_future_time(frozen):
    user = make_user()
    ticket = make_ticket()
    with pytest.raises(ValidationError, match="future"):
        change_status(ticket.id, "snoozed", user.id, until=frozen.start - timedelta(minutes=1))
    with pytest.raises(ValidationError, match="future"):
        change_status(ticket.id, "snoozed", user.id, until=frozen.start)
    with pytest.raises(ValidationError, match="Choose when the snooze should end"):
        change_status(ticket.id, "snoozed", user.id, until=None)
    assert ticket.status == "open" and events(ticket.id) == []


def test_snooze_records_until_and_who(frozen):
    user = make_user()
    ticket = make_ticket()
    until = frozen.start + timedelta(days=1)
    event = change_status(ticket.id, "snoozed", user.id, until=until)
    assert (ticket.status, ticket.snoozed_until, ticket.snoozed_by_id) == ("snoozed", until, user.id)
    assert event.event_data["until"] == until.isoformat()
    # Re-snoozing moves the time and writes a new event.
    change_status(ticket.id, "snoozed", user.id, until=until + timedelta(hours=2))
    assert ticket.snoozed_until == until + timedelta(hours=2)
    assert len(events(ticket.id)) == 2
    change_status(ticket.id, "open", user.id)
    assert ticket.snoozed_until is None and ticket.snoozed_by_id is None


def test_unknown_status_and_ticket():
    user = make_user()
    ticket = make_ticket()
    with pytest.raises(ValidationError, match="Unknown status"):
        change_status(ticket.id, "closed", user.id)
    with pytest.raises(NotFound):
        change_status(999_999, "priority", user.id)


@pytest.mark.parametrize("current, expected", [
    ("snoozed", "open"), ("resolved", "open"), ("priority", "priority"),
    ("in_progress", "in_progress"), ("open", "open"), ("spam", "spam")])
def test_customer_activity_unsnoozes_and_reopens(current, expected, frozen):
    ticket = make_ticket(status=current, snoozed_until=frozen.start + timedelta(days=2)
                         if current == "snoozed" else None)
    event = on_customer_activity(ticket, frozen.start)
    db.session.commit()
    assert ticket.status == expected
    if current != expected:
        assert event.event_data == {"from": current, "to": "open", "reason": "customer replied"}
        assert event.author_id is None
    else:
        assert event is None


def test_wake_expired_snoozes(frozen):
    user = make_user()
    due = make_ticket()
    later = make_ticket()
    change_status(due.id, "snoozed", user.id, until=frozen.start + timedelta(hours=1))
    change_status(later.id, "snoozed", user.id, until=frozen.start + timedelta(hours=3))
    frozen(frozen.start + timedelta(hours=2))
    assert wake_expired_snoozes() == [due.id]
    assert (due.status, later.status) == ("open", "snoozed")
    assert events(due.id)[-1].event_data["reason"] == "snooze ended"


def test_get_ticket_not_found():
    with pytest.raises(NotFound):
        status.get_ticket(12345)


def test_the_dropdown_offers_the_current_status_and_what_may_follow_it():
    assert status.choices("open") == ["open", "priority", "in_progress", "resolved", "spam"]
    assert status.choices("snoozed") == ["open", "priority", "in_progress", "resolved", "spam"]
    assert status.choices("resolved") == ["open", "priority", "in_progress", "resolved", "spam"]
    assert status.choices("spam") == ["open", "spam"]
    assert status.choices("merged") == []


def test_a_refused_transition_says_whether_a_reopen_would_help():
    with pytest.raises(InvalidTransition) as refused:
        check_transition("resolved", "snoozed")
    assert str(refused.value) == "A Resolved ticket cannot be set to Snoozed (reopen it first)."
    with pytest.raises(InvalidTransition) as refused:
        check_transition("spam", "priority")
    assert str(refused.value) == "A Spam ticket cannot be set to Priority (reopen it first)."
    with pytest.raises(InvalidTransition) as refused:
        check_transition("merged", "open")
    assert str(refused.value) == "A Merged ticket cannot be set to Open."


def test_the_status_event_carries_the_time_it_was_given(frozen):
    user = make_user()
    ticket = make_ticket()
    later = frozen.start + timedelta(minutes=5)
    event = change_status(ticket.id, "priority", user.id, now=later)
    assert (event.event_type, event.created_at, event.author_id) == ("status", later, user.id)
