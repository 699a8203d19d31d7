"""Merge eligibility, the merged thread, undo and split."""
from datetime import timedelta

import pytest

from halo.extensions import db
from halo.models import Mention, Message, Ticket
from halo.services.email import route, threads
from halo.services.email.threads import reply_address
from halo.services.errors import NotFound, ValidationError
from halo.services.inbox import views as inbox
from halo.services.inbox.counters import counter_rows
from halo.services.tickets import merge, replies
from tests.factories import make_customer, make_ticket, make_user


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


def _events(*types):
    rows = db.session.scalars(db.select(Message).where(Message.event_type.in_(types)).order_by(Message.id))
    return [(m.ticket_id, m.event_type, m.author_id, m.event_data) for m in rows]


def test_split_records_where_the_message_went_on_both_tickets(pair, agent, frozen):
    older, newer = pair
    merge.merge_tickets(older.id, [newer.id], agent.id)
    moved = _conversation(older.id)[1]
    at = frozen.start + timedelta(hours=4)  # given, not the clock's
    split = merge.split_message(moved.id, agent.id, now=at)
    assert (split.subject, split.preview, split.channel) == ("Any news on my order?",) * 2 + ("email",)
    assert split.created_at == split.last_activity_at == at
    assert {m.created_at for m in db.session.scalars(
        db.select(Message).where(Message.event_type.in_(("split_to", "split_from"))))} == {at}
    message = db.session.get(Message, moved.id)
    assert (message.ticket_id, message.origin_ticket_id) == (split.id, older.id)
    assert _events("split_to", "split_from") == [
        (older.id, "split_to", agent.id, {"ticket_id": split.id, "message_id": moved.id}),
        (split.id, "split_from", agent.id, {"ticket_id": older.id, "message_id": moved.id})]


def test_split_ticket_subject_and_preview_come_from_the_message(agent):
    body = "Second   question:\n\nthe lid " + "is cracked " * 30
    ticket = make_ticket(channel="chat", subject="Kettle")
    message = Message(ticket_id=ticket.id, kind="customer", channel="email", body_text=body)
    empty = Message(ticket_id=ticket.id, kind="customer", channel=None, body_text="")
    db.session.add_all([message, empty])
    db.session.commit()
    text = " ".join(body.split())
    split = merge.split_message(message.id, agent.id)
    assert (split.subject, split.preview, split.channel) == (text[:80], text[:200], "email")
    assert split.customer_id == ticket.customer_id and split.status == "open"
    blank = merge.split_message(empty.id, agent.id)  # an attachment only: the old subject
    assert (blank.subject, blank.preview, blank.channel) == ("Kettle", "", "chat")


def test_split_refusals_say_why(pair, agent):
    older, newer = pair
    with pytest.raises(NotFound, match="does not exist"):
        merge.split_message(999999, agent.id)
    note = replies.post_reply(older.id, agent.id, "A note", "note")
    with pytest.raises(ValidationError, match="Only a customer's or a teammate's"):
        merge.split_message(note.id, agent.id)
    with pytest.raises(ValidationError, match="only message"):
        merge.split_message(_conversation(newer.id)[0].id, agent.id)
    extra = Message(ticket_id=newer.id, kind="customer", channel="email", body_text="More")
    db.session.add(extra)
    db.session.get(Ticket, newer.id).status = "merged"
    db.session.commit()
    with pytest.raises(ValidationError, match="was merged"):
        merge.split_message(extra.id, agent.id)
    assert db.session.get(Message, extra.id).ticket_id == newer.id


def test_undo_records_who_and_when_on_both_sides(pair, agent, frozen):
    older, newer = pair
    merged_at = frozen.start + timedelta(minutes=200)  # given, not the clock's
    event = merge.merge_tickets(older.id, [newer.id], agent.id, now=merged_at)
    assert event.created_at == merged_at and db.session.get(Ticket, newer.id).merged_at == merged_at
    assert {m.created_at for m in db.session.scalars(
        db.select(Message).where(Message.event_type == "merged_into"))} == {merged_at}
    undo = merge.undo_merge(event.id, agent.id, now=frozen.start + timedelta(hours=4))  # the clock says 3
    assert undo.created_at == frozen.start + timedelta(hours=4)
    with pytest.raises(ValidationError, match="already undone"):
        merge.undo_merge(event.id, agent.id)
    assert (undo.ticket_id, undo.event_type, undo.author_id) == (older.id, "unmerge", agent.id)
    assert undo.event_data == {"merge_event_id": event.id, "source_ids": [newer.id]}
    data = db.session.get(Message, event.id).event_data
    assert (data["undone_at"], data["undone_by"]) == ((frozen.start + timedelta(hours=4)).isoformat(), agent.id)
    assert _events("unmerged") == [(newer.id, "unmerged", agent.id, {"target_id": older.id})]
    assert db.session.scalar(db.select(Message.created_at).where(Message.event_type == "unmerged")) \
        == frozen.start + timedelta(hours=4)
    source = db.session.get(Ticket, newer.id)
    assert (source.merged_into_id, source.merged_at) == (None, None)
    target = db.session.get(Ticket, older.id)
    assert (target.last_activity_at, target.preview) == (frozen.start, "My order is late")


def test_undo_puts_back_origins_from_an_earlier_merge_and_mentions(pair, agent):
    older, newer = pair
    third = make_ticket(older.customer, body="Third try")
    merge.merge_tickets(newer.id, [third.id], agent.id)  # "Third try" now on newer, from third
    maria = make_user(name="Maria Ek")
    note = replies.post_reply(newer.id, agent.id, f"@{maria.handle} can you look?", "note")
    event = merge.merge_tickets(older.id, [newer.id], agent.id)
    assert db.session.get(Mention, db.session.scalar(db.select(Mention.id))).ticket_id == older.id
    merge.undo_merge(event.id, agent.id)
    back = {m.body_text: m.origin_ticket_id for m in _conversation(newer.id)}
    assert back == {"Any news on my order?": None, "Third try": third.id, note.body_text: None}
    assert db.session.scalar(db.select(Mention.ticket_id)) == newer.id


@pytest.mark.parametrize("kind", ["customer", "agent", "ai"])
def test_undo_keeps_the_targets_newer_activity(pair, agent, frozen, kind):
    older, newer = pair
    event = merge.merge_tickets(older.id, [newer.id], agent.id)
    later = frozen.start + timedelta(hours=5)
    db.session.add(Message(ticket_id=older.id, kind=kind, channel="email", body_text="Thanks!",
                           created_at=later))
    target = db.session.get(Ticket, older.id)
    target.last_activity_at, target.preview = later, "Thanks!"
    db.session.commit()
    merge.undo_merge(event.id, agent.id)
    target = db.session.get(Ticket, older.id)
    assert (target.last_activity_at, target.preview) == (later, "Thanks!")


def test_undo_refusals_say_why(pair, agent):
    older, newer = pair
    with pytest.raises(NotFound):
        merge.undo_merge(999999, agent.id)
    with pytest.raises(NotFound):
        merge.undo_merge(_conversation(older.id)[0].id, agent.id)  # a message, not a merge
    from halo.services.tickets.status import change_status
    status_event = change_status(newer.id, "priority", agent.id)
    with pytest.raises(NotFound, match="That merge does not exist"):
        merge.undo_merge(status_event.id, agent.id)  # an event, but not a merge
    event = merge.merge_tickets(older.id, [newer.id], agent.id)
    outer = make_ticket(older.customer, body="Newest")
    merge.merge_tickets(outer.id, [older.id], agent.id)
    with pytest.raises(ValidationError, match=f"was itself merged into #{outer.id}: undo that merge first"):
        merge.undo_merge(event.id, agent.id)
    assert db.session.get(Ticket, newer.id).merged_into_id == older.id
    db.session.get(Ticket, older.id).merged_into_id = None
    db.session.get(Ticket, newer.id).merged_into_id = None
    db.session.commit()
    with pytest.raises(ValidationError, match="changed since the merge"):
        merge.undo_merge(event.id, agent.id)


def test_resolve_ticket_follows_the_chain(pair, agent):
    older, newer = pair
    outer = make_ticket(older.customer, body="Newest")
    merge.merge_tickets(older.id, [newer.id], agent.id)
    merge.merge_tickets(outer.id, [older.id], agent.id)
    assert merge.resolve_ticket(newer.id).id == outer.id
    assert merge.resolve_ticket(outer.id).id == outer.id
    assert merge.resolve_ticket(None) is None and merge.resolve_ticket(999999) is None


def test_merge_moves_the_conversation_not_the_events_and_notes_do_not_count_as_activity(pair, agent, frozen):
    older, newer = pair
    from halo.services.tickets.status import change_status
    change_status(newer.id, "priority", agent.id)
    body = "Still   waiting\n" + "x" * 300
    late = Message(ticket_id=newer.id, kind="customer", channel="email", body_text=body,
                   created_at=frozen.start + timedelta(minutes=150))
    db.session.add(late)
    db.session.commit()
    maria = make_user(name="Maria Ek")
    note = replies.post_reply(newer.id, agent.id, f"@{maria.handle} check stock",
                              "note", now=frozen.start + timedelta(minutes=170))
    merge.merge_tickets(older.id, [newer.id], agent.id)
    target = db.session.get(Ticket, older.id)
    assert target.last_activity_at == frozen.start + timedelta(minutes=150)  # not the later note
    assert target.preview == ("Still waiting " + "x" * 300)[:200]
    assert {m.id: m.origin_ticket_id for m in _conversation(older.id)}[note.id] == newer.id
    assert [m.event_type for m in inbox.thread(newer.id)] == ["status", "merged_into"]
    assert db.session.scalar(db.select(Mention.ticket_id)) == older.id
    assert _events("merged_into") == [(newer.id, "merged_into", agent.id, {"target_id": older.id})]
    merged_into = db.session.scalar(db.select(Message).where(Message.event_type == "merged_into"))
    assert merged_into.created_at == db.session.get(Ticket, newer.id).merged_at == frozen.start + timedelta(hours=3)


def test_candidates_come_newest_first(pair):
    older, newer = pair
    newest = make_ticket(older.customer, body="Again")
    assert [t.id for t in merge.merge_candidates(older.id)] == [newest.id, newer.id]


def test_merge_refusals_say_why(pair, agent):
    older, newer = pair
    for ids, reason in ((None, "Choose at least one other ticket"), ([older.id], "Choose at least one other ticket"),
                        (range(10_000, 10_051), "Merge at most 50 tickets at once")):
        with pytest.raises(ValidationError, match=reason):
            merge.merge_tickets(older.id, ids, agent.id)
    with pytest.raises(NotFound):  # fifty is allowed: the count passes, the ids do not exist
        merge.merge_tickets(older.id, range(10_000, 10_050), agent.id)
    resolved = make_ticket(older.customer, status="resolved")
    with pytest.raises(ValidationError, match=f"Ticket #{resolved.id} is Resolved: only Open or Priority"):
        merge.merge_tickets(older.id, [resolved.id], agent.id)
    with pytest.raises(ValidationError, match="A ticket cannot be merged into itself"):
        merge.check_mergeable(older, [older])
    nameless = make_ticket(make_customer(email=None))
    with pytest.raises(ValidationError, match="no email address"):
        merge.merge_tickets(nameless.id, [newer.id], agent.id)
    assert merge.merge_candidates(nameless.id) == []


def test_the_merge_event_records_who_and_what(pair, agent):
    older, newer = pair
    event = merge.merge_tickets(older.id, [newer.id], agent.id)
    assert (event.author_id, event.event_data["sources"][0]["id"]) == (agent.id, newer.id)
    assert event.event_data["sources"][0]["status"] == "open"


@pytest.mark.parametrize("kind", ["agent", "ai"])
def test_a_teammates_or_the_ais_message_can_be_split_off_too(pair, agent, kind):
    older, _ = pair
    message = Message(ticket_id=older.id, kind=kind, channel="email", body_text="We will refund it")
    db.session.add(message)
    db.session.commit()
    assert merge.split_message(message.id, agent.id).subject == "We will refund it"


def test_a_source_message_at_the_same_moment_does_not_take_the_preview(pair, agent):
    older, _ = pair
    tie = make_ticket(older.customer, body="Same second", now=older.last_activity_at)
    merge.merge_tickets(older.id, [tie.id], agent.id)
    assert db.session.get(Ticket, older.id).preview == "My order is late"
