"""Undo for quick actions: back to where each ticket was, only by who acted, only for the
tickets nobody moved since, within its time; snoozes come back with their end."""
from datetime import timedelta

import pytest

from halo.extensions import db
from halo.models import Message, Ticket
from halo.services.errors import ValidationError
from halo.services.tickets import assignment, bulk, status, undo
from tests.factories import make_ticket, make_user


def _state(tid):
    db.session.expire_all()
    t = db.session.get(Ticket, tid)
    return t.status, t.snoozed_until, t.assignee_id


def _resolve_with_offer(ticket, actor):
    before = undo.snapshot([ticket.id])
    status.change_status(ticket.id, "resolved", actor.id)
    return undo.offer(actor.id, "status", "resolved", before, [ticket.id], f"Resolved #{ticket.id}.")


def test_resolve_then_undo_puts_the_status_back_with_an_event_line(frozen):
    sara = make_user()
    ticket = make_ticket(status="in_progress")
    offer = _resolve_with_offer(ticket, sara)
    assert _state(ticket.id)[0] == "resolved"
    result = undo.undo(offer.token, sara.id)
    assert result.restored == [ticket.id] and not result.skipped
    assert _state(ticket.id)[0] == "in_progress"
    last = db.session.scalars(db.select(Message).where(Message.ticket_id == ticket.id, Message.kind == "event")
                              .order_by(Message.id.desc())).first()
    assert last.event_data == {"from": "resolved", "to": "in_progress", "reason": "undo"}
    assert "Undone" in result.summary()


def test_a_snooze_comes_back_with_its_end_or_open_when_that_end_has_passed(frozen):
    sara = make_user()
    ticket = make_ticket()
    until = frozen.start + timedelta(hours=3)
    status.change_status(ticket.id, "snoozed", sara.id, until=until)
    undo.undo(_resolve_with_offer(ticket, sara).token, sara.id)
    assert _state(ticket.id)[:2] == ("snoozed", until)

    soon = frozen.start + timedelta(seconds=60)
    status.change_status(ticket.id, "snoozed", sara.id, until=soon)
    offer = _resolve_with_offer(ticket, sara)
    frozen(frozen.start + timedelta(seconds=90))  # the snooze would have ended meanwhile
    undo.undo(offer.token, sara.id)
    assert _state(ticket.id)[:2] == ("open", None)


def test_a_ticket_moved_since_is_left_as_it_is_now(frozen):
    sara, tom = make_user(), make_user()
    ticket = make_ticket(status="open")
    offer = _resolve_with_offer(ticket, sara)
    status.change_status(ticket.id, "open", tom.id)  # Tom reopened it meanwhile
    status.change_status(ticket.id, "priority", tom.id)
    result = undo.undo(offer.token, sara.id)
    assert result.restored == [] and result.skipped == [(ticket.id, "is Priority now")]
    assert _state(ticket.id)[0] == "priority"


def test_only_who_acted_within_the_time_and_a_forged_token_is_refused(frozen):
    sara, tom = make_user(), make_user()
    ticket = make_ticket(status="open")
    offer = _resolve_with_offer(ticket, sara)
    with pytest.raises(ValidationError, match="Only the teammate"):
        undo.undo(offer.token, tom.id)
    with pytest.raises(ValidationError, match="not valid"):
        undo.undo(offer.token[:-3] + "abc", sara.id)
    frozen(frozen.start + timedelta(seconds=undo.UNDO_SECONDS + 5))
    with pytest.raises(ValidationError, match="Too late"):
        undo.undo(offer.token, sara.id)
    assert _state(ticket.id)[0] == "resolved"


def test_undo_twice_changes_nothing_the_second_time(frozen):
    sara = make_user()
    ticket = make_ticket(status="open")
    offer = _resolve_with_offer(ticket, sara)
    undo.undo(offer.token, sara.id)
    again = undo.undo(offer.token, sara.id)
    assert again.restored == [] and again.skipped == [(ticket.id, "is Open now")]
    assert db.session.scalar(db.select(db.func.count(Message.id)).where(
        Message.ticket_id == ticket.id, Message.kind == "event")) == 2


def test_an_assignment_and_a_bulk_action_are_undone_ticket_by_ticket(frozen):
    sara, tom = make_user(), make_user()
    one = make_ticket(assignee_id=tom.id)
    before = undo.snapshot([one.id])
    assignment.assign_ticket(one.id, sara.id, sara.id)
    offer = undo.offer(sara.id, "assign", sara.id, before, [one.id], "")
    undo.undo(offer.token, sara.id)
    assert _state(one.id)[2] == tom.id

    tickets = [make_ticket(status=s) for s in ("open", "priority", "resolved")]
    ids = [t.id for t in tickets]
    before = undo.snapshot(ids)
    result = bulk.bulk_update(ids, "spam", None, sara.id)
    offer = undo.offer(sara.id, *result.change, before, result.updated, "")
    status.change_status(ids[1], "open", tom.id)  # one was taken out of spam by hand meanwhile
    back = undo.undo(offer.token, sara.id)
    assert back.restored == [ids[0], ids[2]] and [tid for tid, _ in back.skipped] == [ids[1]]
    assert [_state(t)[0] for t in ids] == ["open", "open", "resolved"]
