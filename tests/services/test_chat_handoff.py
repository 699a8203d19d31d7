"""Take over / Pass to AI, and what a visitor may see."""
from halo.extensions import db
from halo.models import Message, Ticket
from halo.services import chat
from halo.services.tickets import conversation, handoff, replies, status
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


def _handler_lines(ticket_id):
    return [m.event_data["text"] for m in db.session.scalars(
        db.select(Message).where(Message.ticket_id == ticket_id, Message.event_type == "handler")
        .order_by(Message.id))]


def test_replying_to_a_waiting_chat_makes_the_agent_its_handler():
    sara, ben = make_user(name="Sara Lind"), make_user(name="Ben Cho")
    _visitor, ticket_id = _chat_ticket()
    for text in ("Hi!", "Let me look.", "Found it."):
        replies.post_reply(ticket_id, sara.id, text, "chat")
    ticket = db.session.get(Ticket, ticket_id)
    assert (ticket.assignee_id, ticket.status, ticket.ai_paused) == (sara.id, "in_progress", True)
    assert handoff.handler_label(ticket) == "Sara Lind"
    assert _handler_lines(ticket_id) == ["picked up this conversation"]  # once, and the AI never spoke
    replies.post_reply(ticket_id, ben.id, "Chiming in", "chat")  # a teammate helping takes nothing
    assert db.session.get(Ticket, ticket_id).assignee_id == sara.id
    replies.post_reply(ticket_id, ben.id, "noted", "note")
    assert _handler_lines(ticket_id) == ["picked up this conversation"]


def test_a_reply_leaves_a_resolved_chat_resolved_but_takes_it():
    sara = make_user()
    _visitor, ticket_id = _chat_ticket()
    status.change_status(ticket_id, "resolved", sara.id)
    replies.post_reply(ticket_id, sara.id, "One more thing", "chat")
    ticket = db.session.get(Ticket, ticket_id)
    assert (ticket.assignee_id, ticket.status) == (sara.id, "resolved")


def test_take_over_says_from_the_ai_only_when_the_ai_spoke():
    sara = make_user()
    _visitor, quiet = _chat_ticket()
    handoff.take_over(quiet, sara.id)
    visitor, _token = chat.open_visitor(None)
    message, _ = chat.receive_visitor_message(visitor.id, "c-2", "Hi?")
    spoken = message.ticket_id
    ticket = db.session.get(Ticket, spoken)
    db.session.add(conversation.add_agent_message(ticket, "chat", "Hello, I am the AI.", message.created_at))
    db.session.commit()
    handoff.take_over(spoken, sara.id)
    assert _handler_lines(quiet) == ["picked up this conversation"]
    assert _handler_lines(spoken) == ["took over from the AI"]
