"""A widget visitor's messages through the conversation service, called directly: what is
stored, when a message is new, what the widget may read and is told, and delivery."""
from datetime import timedelta

import pytest

from halo.extensions import db
from halo.models import AliasUser, Message, Ticket
from halo.services import chat
from halo.services.errors import ValidationError
from halo.services.tickets import conversation, replies, status
from tests.factories import make_ticket, make_user


def _visitor():
    visitor, _token = chat.open_visitor(None)
    return visitor


def test_a_first_message_starts_a_chat_ticket_at_the_time_given(frozen):
    visitor = _visitor()
    at = frozen.start + timedelta(minutes=3)
    message, created = chat.receive_visitor_message(visitor.id, "c-1", "  Where is my   parcel?  ", now=at)
    ticket = db.session.get(Ticket, message.ticket_id)
    assert created and message.kind == "customer" and message.channel == "chat"
    assert message.body_text == "Where is my   parcel?" and message.client_id == "c-1"
    assert (message.created_at, ticket.created_at, ticket.last_activity_at) == (at, at, at)
    assert (ticket.channel, ticket.status, ticket.subject) == ("chat", "open", "Where is my parcel?")
    assert ticket.preview == "Where is my parcel?"
    assert chat.get_visitor(visitor.id).ticket_id == ticket.id
    # No status line on a new conversation: nothing was reopened.
    assert db.session.scalar(db.select(db.func.count(Message.id)).where(Message.kind == "event")) == 0


def test_a_resend_is_the_same_message_and_a_new_id_joins_the_same_ticket(frozen):
    visitor = _visitor()
    first, _ = chat.receive_visitor_message(visitor.id, "c-1", "Hello")
    again, created = chat.receive_visitor_message(visitor.id, "c-1", "Hello")
    other, _ = chat.receive_visitor_message(visitor.id, "c-2", "Anyone?")
    assert (again.id, created) == (first.id, False)
    assert other.ticket_id == first.ticket_id and other.id != first.id


def test_a_message_on_a_resolved_chat_reopens_it(frozen):
    visitor = _visitor()
    first, _ = chat.receive_visitor_message(visitor.id, "c-1", "Hello")
    status.change_status(first.ticket_id, "resolved", None)
    chat.receive_visitor_message(visitor.id, "c-2", "One more thing")
    assert db.session.get(Ticket, first.ticket_id).status == "open"


@pytest.mark.parametrize("client_id, body", [
    ("", "hi"), ("x" * 65, "hi"), ("has space", "hi"), ("composer:k:1", "hi"), (7, "hi"),
    ("c-1", ""), ("c-1", "   "), ("c-1", None), ("c-1", "x" * (chat.MAX_CHAT_BODY + 1)),
])
def test_a_message_the_widget_should_not_send_is_refused_and_stores_nothing(client_id, body):
    visitor = _visitor()
    with pytest.raises(ValidationError):
        chat.receive_visitor_message(visitor.id, client_id, body)
    assert db.session.scalar(db.select(db.func.count(Message.id))) == 0
    assert chat.get_visitor(visitor.id).ticket_id is None


def test_the_longest_message_and_client_id_are_accepted():
    visitor = _visitor()
    message, _ = chat.receive_visitor_message(visitor.id, "a" * 64, "x" * chat.MAX_CHAT_BODY)
    assert len(message.body_text) == chat.MAX_CHAT_BODY


def test_the_widget_reads_its_own_conversation_in_pages_never_notes_or_email():
    agent = make_user(name="Sara Lind")
    visitor = _visitor()
    first, _ = chat.receive_visitor_message(visitor.id, "c-1", "Hello")
    replies.post_reply(first.ticket_id, agent.id, "internal", "note")
    replies.post_reply(first.ticket_id, agent.id, "by email", "email")
    said = [replies.post_reply(first.ticket_id, agent.id, f"Reply {n}", "chat").id for n in range(3)]
    assert [m.id for m in chat.messages_after(visitor.id, 0)] == [first.id] + said
    assert [m.id for m in chat.messages_after(visitor.id, first.id, limit=2)] == said[:2]
    assert chat.messages_after(_visitor().id, 0) == []


def test_what_the_widget_is_told_about_each_message(frozen):
    sara = make_user(name="Sara Lind")
    visitor = _visitor()
    mine, _ = chat.receive_visitor_message(visitor.id, "c-1", "Hello")
    assert chat.widget_json(mine) == {"type": "message", "id": mine.id, "client_id": "c-1",
                                      "body": "Hello", "at": frozen.start.isoformat() + "Z",
                                      "from": "visitor"}
    reply = replies.post_reply(mine.ticket_id, sara.id, "Hi!", "chat", send_key="form-1")
    told = chat.widget_json(reply)
    assert told["client_id"] is None  # the form's key stays on the server
    assert (told["from"], told["author"]) == ("team", {"name": "Sara", "avatar": None})
    alias = AliasUser(name="Ava from Acme", avatar_file="ava.png")
    db.session.add(alias)
    db.session.commit()
    as_alias = replies.post_reply(mine.ticket_id, sara.id, "Hello again", "chat", alias_id=alias.id)
    told = chat.widget_json(as_alias, avatar_url=lambda a: f"/avatars/{a.avatar_file}")
    assert told["author"] == {"name": "Ava from Acme", "avatar": "/avatars/ava.png"}
    ticket = db.session.get(Ticket, mine.ticket_id)
    ai = conversation.add_agent_message(ticket, "chat", "I can help", frozen.start)
    db.session.commit()
    assert chat.widget_json(ai)["author"] == {"name": "Halo AI", "avatar": None}


def test_a_chat_reply_waits_for_a_widget_then_is_delivered_up_to_what_it_confirmed():
    agent = make_user()
    visitor = _visitor()
    mine, _ = chat.receive_visitor_message(visitor.id, "c-1", "Hello")
    one = replies.post_reply(mine.ticket_id, agent.id, "One", "chat")
    two = replies.post_reply(mine.ticket_id, agent.id, "Two", "chat")
    assert (one.delivery, two.delivery) == ("waiting", "waiting")
    chat.mark_delivered(visitor.id, one.id)
    db.session.expire_all()
    assert (db.session.get(Message, one.id).delivery, db.session.get(Message, two.id).delivery) == \
        ("delivered", "waiting")
    # Another visitor's confirmation never touches this conversation.
    other = _visitor()
    chat.receive_visitor_message(other.id, "c-9", "Me too")
    chat.mark_delivered(other.id, two.id)
    assert db.session.get(Message, two.id).delivery == "waiting"


def test_a_chat_reply_on_a_ticket_no_widget_can_reach_fails_visibly(frozen):
    agent = make_user()
    ticket = make_ticket(channel="email")
    reply = replies.post_reply(ticket.id, agent.id, "Hello by chat", "chat")
    assert reply.delivery == "failed" and "No chat widget" in reply.delivery_error
    chat.deliver_chat(reply.id)  # not queued any more: left as it is
    assert db.session.get(Message, reply.id).delivery == "failed"


def test_the_alias_an_agent_last_replied_as_is_kept_per_ticket_and_agent(frozen):
    sara, ben = make_user(), make_user()
    ticket = make_ticket(channel="chat")
    ava = AliasUser(name="Ava from Acme")
    db.session.add(ava)
    db.session.commit()
    assert replies.last_alias(ticket.id, sara.id) is None  # nothing sent yet: Myself
    replies.post_reply(ticket.id, sara.id, "Hi", "chat", alias_id=ava.id)
    replies.post_reply(ticket.id, sara.id, "Internal", "note")  # a note does not change it
    assert replies.last_alias(ticket.id, sara.id) == ava.id
    assert replies.last_alias(ticket.id, ben.id) is None
    assert replies.last_alias(make_ticket(channel="chat").id, sara.id) is None
    frozen(frozen.start + timedelta(minutes=1))
    replies.post_reply(ticket.id, sara.id, "Myself now", "chat")
    assert replies.last_alias(ticket.id, sara.id) is None
    frozen(frozen.start + timedelta(minutes=2))
    replies.post_reply(ticket.id, sara.id, "Ava again", "chat", alias_id=ava.id)
    ava.active = False  # a retired alias is not offered again
    db.session.commit()
    assert replies.last_alias(ticket.id, sara.id) is None
