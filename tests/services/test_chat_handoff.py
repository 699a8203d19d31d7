"""Take over / Pass to AI, and what a visitor may see."""
from halo.extensions import db
from halo.services import chat
from halo.services.tickets import handoff, replies
from tests.factories import make_user


def _chat_ticket():
    visitor, _token = chat.open_visitor(None)
    message, created = chat.receive_visitor_message(visitor.id, "c-1", "Hello?")
    assert created
    return visitor, message.ticket_id


def test_take_over_then_pass_back_to_ai(monkeypatch):
    sara = make_user(name="Sara Lind")
    _visitor, ticket_id = _chat_ticket()
    ticket = handoff.take_over(ticket_id, sara.id)
    assert (ticket.assignee_id, ticket.status, ticket.ai_paused) == (sara.id, "in_progress", True)
    assert handoff.handler_label(ticket) == "Sara Lind"
    ticket = handoff.pass_to_ai(ticket_id, sara.id)
    assert (ticket.assignee_id, ticket.status, ticket.ai_paused) == (None, "open", False)
    # No model configured: the AI cannot answer, so the chat waits for a person.
    assert handoff.handler_label(ticket) == "Waiting for a teammate"
    monkeypatch.setattr(handoff, "ai_answers_chats", lambda: True)
    assert handoff.handler_label(ticket) == "AI"


def test_widget_sees_its_conversation_but_never_notes():
    agent = make_user()
    visitor, ticket_id = _chat_ticket()
    replies.post_reply(ticket_id, agent.id, "secret note", "note")
    reply = replies.post_reply(ticket_id, agent.id, "Hi there", "chat")
    seen = chat.messages_after(visitor.id, 0)
    assert [m.body_text for m in seen] == ["Hello?", "Hi there"]
    assert db.session.get(type(reply), reply.id).delivery == "waiting"  # until a widget confirms it
    other, _ = chat.open_visitor(None)
    assert chat.messages_after(other.id, 0) == []


def test_same_client_id_is_stored_once():
    visitor, _ticket_id = _chat_ticket()
    again, created = chat.receive_visitor_message(visitor.id, "c-1", "Hello?")
    assert not created and again.client_id == "c-1"
