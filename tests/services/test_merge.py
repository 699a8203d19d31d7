"""Merge eligibility, the merged thread, undo and split."""
from datetime import timedelta

import pytest

from halo.extensions import db
from halo.models import Message, Ticket
from halo.services.email import route, threads
from halo.services.email.threads import reply_address
from halo.services.errors import ValidationError
from halo.services.inbox import views as inbox
from halo.services.inbox.counters import counter_rows
from halo.services.tickets import merge
from tests.factories import make_customer, make_ticket


def _conversation(ticket_id):
    return [m for m in inbox.thread(ticket_id) if m.kind != "event"]


@pytest.fixture
def pair(frozen, agent):
    customer = make_customer(email="ana@example.org")
    older = make_ticket(customer, body="My order is late", now=frozen.start)
    newer = make_ticket(customer, body="Any news on my order?", now=frozen.start + timedelta(hours=2))
    frozen(frozen.start + timedelta(hours=3))
    return older, newer


def test_candidates_are_open_or_priority_tickets_of_the_same_email(pair, frozen):
    older, newer = pair
    same = older.customer
    priority = make_ticket(same, status="priority")
    make_ticket(same, status="resolved")
    make_ticket(same, status="spam")
    make_ticket(same, status="in_progress")
    make_ticket(make_customer(email="someone@else.org"))
    ids = {t.id for t in merge.merge_candidates(older.id)}
    assert ids == {newer.id, priority.id}


def test_server_refuses_other_customer_and_closed_tickets(pair, agent):
    older, _ = pair
    stranger = make_ticket(make_customer(email="bob@example.org"))
    resolved = make_ticket(older.customer, status="resolved")
    for bad in (stranger, resolved):
        with pytest.raises(ValidationError):
            merge.merge_tickets(older.id, [bad.id], agent.id)
    with pytest.raises(ValidationError):
        merge.merge_tickets(older.id, [older.id], agent.id)
    assert db.session.get(Ticket, stranger.id).merged_into_id is None


@pytest.mark.parametrize("closed", ["resolved", "spam", "snoozed", "in_progress"])
def test_nothing_merges_into_a_ticket_that_is_not_open_or_priority(pair, agent, closed):
    older, newer = pair
    db.session.get(Ticket, older.id).status = closed
    db.session.commit()
    with pytest.raises(ValidationError, match="only Open or Priority"):
        merge.merge_tickets(older.id, [newer.id], agent.id)
    db.session.expire_all()
    assert db.session.get(Ticket, newer.id).status == "open"
    assert db.session.get(Ticket, newer.id).merged_into_id is None
    assert [m.body_text for m in _conversation(older.id)] == ["My order is late"]
    assert merge.merge_candidates(older.id) == []


def test_a_priority_ticket_takes_a_merge(pair, agent):
    older, newer = pair
    db.session.get(Ticket, older.id).status = "priority"
    db.session.commit()
    merge.merge_tickets(older.id, [newer.id], agent.id)
    assert db.session.get(Ticket, newer.id).merged_into_id == older.id


def test_merge_joins_threads_in_time_order_marks_origin_and_counts(pair, agent):
    older, newer = pair
    event = merge.merge_tickets(older.id, [newer.id], agent.id)
    assert event.event_type == "merge" and event.ticket_id == older.id
    bodies = [(m.body_text, m.origin_ticket_id) for m in _conversation(older.id)]
    assert bodies == [("My order is late", None), ("Any news on my order?", newer.id)]
    source = db.session.get(Ticket, newer.id)
    assert source.status == "merged" and source.merged_into_id == older.id
    assert merge.resolve_ticket(newer.id).id == older.id
    assert newer.id not in {t.id for t in inbox.list_tickets("open", agent.id, older.created_at)[0]}
    counts = {(s, a): n for s, a, n in counter_rows() if n}
    assert counts == {("open", 0): 1, ("merged", 0): 1}
    # Nor in All: it lives on inside the target (reached from there, or by search).
    assert [t.id for t in inbox.list_tickets("all", agent.id, older.created_at)[0]] == [older.id]
    assert inbox.view_counts(agent.id, older.created_at)["all"] == 1


def test_undo_restores_both_tickets(pair, agent, frozen):
    older, newer = pair
    db.session.get(Ticket, newer.id).status = "priority"
    db.session.commit()
    before = db.session.get(Ticket, older.id).last_activity_at
    event = merge.merge_tickets(older.id, [newer.id], agent.id)
    merge.undo_merge(event.id, agent.id)
    source = db.session.get(Ticket, newer.id)
    assert (source.status, source.merged_into_id) == ("priority", None)
    assert [m.body_text for m in _conversation(newer.id)] == ["Any news on my order?"]
    assert [m.body_text for m in _conversation(older.id)] == ["My order is late"]
    assert db.session.get(Ticket, older.id).last_activity_at == before
    assert db.session.get(Message, event.id).event_data["undone_at"]
    with pytest.raises(ValidationError):
        merge.undo_merge(event.id, agent.id)
    counts = {(s, a): n for s, a, n in counter_rows() if n}
    assert counts == {("open", 0): 1, ("priority", 0): 1}


def test_undo_keeps_replies_written_after_the_merge(pair, agent):
    from halo.services.tickets.replies import post_reply
    older, newer = pair
    event = merge.merge_tickets(older.id, [newer.id], agent.id)
    post_reply(older.id, agent.id, "We are on it", "note")
    merge.undo_merge(event.id, agent.id)
    assert [m.body_text for m in _conversation(older.id)] == ["My order is late", "We are on it"]


def test_split_moves_a_message_into_a_new_ticket_for_the_same_customer(pair, agent):
    older, newer = pair
    merge.merge_tickets(older.id, [newer.id], agent.id)
    second = _conversation(older.id)[1]
    split = merge.split_message(second.id, agent.id)
    assert split.customer_id == older.customer_id and split.status == "open"
    assert [m.body_text for m in _conversation(split.id)] == ["Any news on my order?"]
    assert [m.body_text for m in _conversation(older.id)] == ["My order is late"]
    with pytest.raises(ValidationError):
        merge.split_message(_conversation(older.id)[0].id, agent.id)


def test_reply_token_of_a_merged_ticket_threads_into_the_target(pair, agent):
    older, newer = pair
    merge.merge_tickets(older.id, [newer.id], agent.id)

    class Parsed:
        to = [{"address": reply_address(newer.id)}]
        cc, in_reply_to, references, subject, from_name = [], None, [], "Re: order", "Ana"

    class Inbound:
        envelope_to = []
    ticket, reason, _ = route.thread(Inbound(), Parsed(), "ana@example.org", older.created_at)
    assert (ticket.id, reason) == (older.id, "reply_token")


def test_message_id_of_a_merged_ticket_threads_into_the_target(pair, agent):
    older, newer = pair
    first = _conversation(newer.id)[0]
    first.email_message_id = "late-order@mail.example.org"
    db.session.commit()
    merge.merge_tickets(older.id, [newer.id], agent.id)
    ticket, why = threads.ticket_from_headers(["late-order@mail.example.org"], "ana@example.org")
    assert (ticket.id, why) == (older.id, "headers")
