"""Events on commit: what services record reaches subscribers only once the commit
succeeds, never from a rolled-back transaction; new messages and delivery moves are
events by themselves."""
from halo import realtime
from halo.extensions import db
from halo.models import Message
from halo.services import events
from halo.services.tickets import conversation, status
from tests.factories import make_ticket, make_user


def _drain(sub):
    got = []
    while (item := sub.get(timeout=0)) is not None:
        got.append(item)
    return got


def test_a_recorded_event_waits_for_the_commit():
    ticket = make_ticket()
    with realtime.subscribe([f"ticket:{ticket.id}", "inbox", "live"]) as sub:
        events.ticket_changed(ticket.id, "handler", chat=True)
        assert _drain(sub) == []
        db.session.commit()
        payload = {"type": "handler", "ticket_id": ticket.id, "message_id": None}
        assert _drain(sub) == [(f"ticket:{ticket.id}", payload), ("inbox", payload), ("live", payload)]


def test_a_rolled_back_change_announces_nothing():
    ticket = make_ticket()
    with realtime.subscribe([f"ticket:{ticket.id}", "inbox"]) as sub:
        status.change_status(ticket.id, "priority", None)
        assert _drain(sub)  # the committed change was announced
        events.ticket_changed(ticket.id, "handler")
        conversation.add_customer_message(ticket, "email", "never stored", ticket.last_activity_at)
        db.session.flush()
        db.session.rollback()
        db.session.commit()  # a later, empty commit must not send what was dropped
        assert _drain(sub) == []


def test_a_new_message_is_announced_with_its_id_once():
    ticket = make_ticket()
    with realtime.subscribe([f"ticket:{ticket.id}"]) as sub:
        message = conversation.add_customer_message(ticket, "chat", "hello", ticket.last_activity_at)
        db.session.commit()
        got = _drain(sub)
    assert got == [(f"ticket:{ticket.id}", {"type": "message", "ticket_id": ticket.id,
                                             "message_id": message.id})]


def test_a_delivery_move_is_announced_and_other_edits_are_not():
    agent = make_user()
    ticket = make_ticket()
    reply = conversation.add_agent_message(ticket, "email", "On it", ticket.last_activity_at,
                                           author_id=agent.id)
    db.session.commit()
    with realtime.subscribe([f"ticket:{ticket.id}"]) as sub:
        db.session.get(Message, reply.id).body_text = "On it!"
        db.session.commit()
        assert _drain(sub) == []
        db.session.get(Message, reply.id).delivery_error = "Attempt 1 failed; retrying."
        db.session.commit()
        assert [p["type"] for _, p in _drain(sub)] == ["delivery"]
