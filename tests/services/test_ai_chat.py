"""AI chat: answers live, hands over when asked or unable, stops on take-over, never loops."""
import json

from halo.extensions import db
from halo.models import Message, Ticket
from halo.services import chat
from halo.services.ai import chat as ai_chat
from halo.services.ai import knowledge as ai_knowledge
from halo.services.ai import settings as ai_settings
from halo.services.tickets import handoff
from tests.ai_support import ai_queue, ai_server, offline  # noqa: F401
from tests.factories import make_user


def start_chat(body):
    visitor, _ = chat.open_visitor(None)
    message, _ = chat.receive_visitor_message(visitor.id, "c1", body)
    return visitor, message


def ai_lines(ticket_id):
    return [m.body_text for m in db.session.scalars(db.select(Message).where(
        Message.ticket_id == ticket_id, Message.kind == "ai").order_by(Message.id))]


def setup():
    ai_settings.save(False, True, "", "", True)
    ai_knowledge.create_article("Opening hours", "We are open from 9 to 5 on weekdays.", True, make_user(role="admin").id)


def test_ai_answers_the_visitor_live(ai_server, ai_queue):
    setup()
    visitor, message = start_chat("What are your opening hours?")
    ticket = db.session.get(Ticket, message.ticket_id)
    assert ai_lines(ticket.id) == ["Hi,\n\nWe are open from 9 to 5 on weekdays.\n\nBest regards,\nHalo AI"]
    assert handoff.handler_label(ticket) == "AI" and ticket.status == "open"
    assert [m.kind for m in chat.messages_after(visitor.id)] == ["customer", "ai"]


def test_visitor_asking_for_a_human_is_handed_over_once(ai_server, ai_queue):
    setup()
    visitor, message = start_chat("I want to talk to a real person please")
    ticket = db.session.get(Ticket, message.ticket_id)
    assert ai_lines(ticket.id) == [ai_chat.HANDOFF_TEXT]
    assert ticket.ai_paused and ticket.status == "priority" and ai_server.requests == []
    chat.receive_visitor_message(visitor.id, "c2", "Hello? Anyone?")
    assert ai_lines(ticket.id) == [ai_chat.HANDOFF_TEXT]  # paused: the AI stays quiet


def test_unable_to_answer_hands_over(ai_server, ai_queue):
    setup()
    ai_server.reply = json.dumps({"handoff": True, "answer": "", "reason": "billing question"})
    _, message = start_chat("Why was I charged twice?")
    ticket = db.session.get(Ticket, message.ticket_id)
    assert ai_lines(ticket.id) == [ai_chat.HANDOFF_TEXT] and ticket.ai_paused


def test_take_over_while_the_model_thinks_stops_the_ai(app, ai_server, ai_queue):
    setup()
    agent = make_user()
    state = {}

    def take_over_mid_answer(request):
        with app.app_context():
            handoff.take_over(state["ticket_id"], agent.id)
            db.session.remove()
        return json.dumps({"handoff": False, "answer": "We are open 9 to 5."})
    ai_server.reply = take_over_mid_answer
    visitor, _ = chat.open_visitor(None)
    ai_settings.save(False, False, "", "", True)  # store first, answer below, so the id is known
    message, _ = chat.receive_visitor_message(visitor.id, "c1", "Opening hours?")
    state["ticket_id"] = message.ticket_id
    assert ai_chat.answer_chat(message.id) == "human"
    assert ai_lines(message.ticket_id) == []
    ticket = db.session.get(Ticket, message.ticket_id)
    assert ticket.status == "in_progress" and ticket.assignee_id == agent.id


def test_pass_to_ai_hands_back_without_a_loop(ai_server, ai_queue):
    setup()
    agent = make_user()
    visitor, message = start_chat("Can I speak to someone?")
    ticket_id = message.ticket_id
    handoff.take_over(ticket_id, agent.id)
    handoff.pass_to_ai(ticket_id, agent.id)
    # The message that caused the handoff is not answered again...
    assert ai_chat.answer_chat(message.id) == "skipped"
    assert ai_lines(ticket_id) == [ai_chat.HANDOFF_TEXT]
    # ...the visitor's next words are.
    chat.receive_visitor_message(visitor.id, "c2", "What are your opening hours?")
    assert ai_lines(ticket_id)[-1].startswith("Hi,\n\nWe are open") and not db.session.get(Ticket, ticket_id).ai_paused


def test_without_a_model_the_visitor_is_told_a_teammate_will_reply_once(offline, ai_queue):
    setup()
    visitor, message = start_chat("Hi, is anyone there?")
    ticket = db.session.get(Ticket, message.ticket_id)
    assert ai_lines(ticket.id) == [ai_chat.WAITING_TEXT]
    assert [m.kind for m in chat.messages_after(visitor.id)] == ["customer", "ai"]
    chat.receive_visitor_message(visitor.id, "c2", "Hello?")
    assert ai_lines(ticket.id) == [ai_chat.WAITING_TEXT]  # once a conversation
    assert handoff.handler_label(ticket) == "Waiting for a teammate" and ticket.status == "open"
    handoff.take_over(ticket.id, make_user().id)  # the line is not the AI speaking
    assert db.session.scalars(db.select(Message.event_data).where(
        Message.ticket_id == ticket.id, Message.event_type == "handler")).one()["text"] == \
        "picked up this conversation"


def test_ai_chat_off_says_nothing(offline, ai_queue):
    _, message = start_chat("Hi, is anyone there?")
    assert ai_lines(message.ticket_id) == [] and ai_queue.ran == []


def test_a_provider_failing_in_any_way_hands_over(ai_server, ai_queue, monkeypatch):
    setup()

    def broken(*args, **kwargs):
        raise RuntimeError("connection reset in the middle of the answer")
    monkeypatch.setattr(ai_chat.ai_provider, "complete", broken)
    _, message = start_chat("What are your opening hours?")
    ticket = db.session.get(Ticket, message.ticket_id)
    assert ai_lines(ticket.id) == [ai_chat.HANDOFF_TEXT] and ticket.ai_paused and ticket.status == "priority"
