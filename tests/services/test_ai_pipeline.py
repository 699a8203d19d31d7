"""The AI email pipeline: answered -> sent and Resolved; otherwise Priority with a note."""
import json

import pytest

from halo.extensions import db
from halo.models import Message, OutboundEmail, Ticket
from halo.services.ai import knowledge as ai_knowledge
from halo.services.ai import pipeline as ai_pipeline
from halo.services.ai import settings as ai_settings
from halo.services.email import ingest as email_ingest
from halo.services.tickets import status
from tests.ai_support import ai_queue, ai_server  # noqa: F401
from tests.email_support import attachment_dir, make_raw, sink  # noqa: F401
from tests.factories import make_customer, make_ticket, make_user


def enable(keywords="", traits="", negative=True):
    ai_settings.save(True, False, keywords, traits, negative)


def kb():
    ai_knowledge.create_article("Reset your password", "Use the Forgot password link on the sign-in page.", True, make_user(role="admin").id)


def messages(ticket_id, kind):
    return db.session.scalars(db.select(Message).where(Message.ticket_id == ticket_id, Message.kind == kind)).all()


def test_confident_answer_is_emailed_threaded_and_resolves(ai_server, ai_queue, sink, attachment_dir):
    enable()
    kb()
    inbound, _ = email_ingest.receive_email(make_raw(subject="Password reset", body="How do I reset my password?"), "smtp")
    ticket = db.session.get(Ticket, db.session.get(type(inbound), inbound.id).ticket_id)
    assert ticket.status == "resolved" and ticket.assignee_id is None
    [reply] = messages(ticket.id, "ai")
    assert reply.channel == "email" and "Forgot password" in reply.body_text
    assert sink.captured.wait_for(1)
    sent = sink.captured.messages()[0]
    assert sent["In-Reply-To"] == "<m1@customer.test>" and "Forgot password" in sent.get_body().get_content()
    assert db.session.scalar(db.select(OutboundEmail.state).where(OutboundEmail.message_id == reply.id)) == "sent"
    # The customer answers: the ticket reopens (status rules), and is not offered again.
    email_ingest.receive_email(make_raw(message_id="<m2@customer.test>", in_reply_to="<m1@customer.test>",
                                        body="That did not work"), "smtp")
    assert db.session.get(Ticket, ticket.id).status == "open" and len(messages(ticket.id, "ai")) == 1


def test_not_confident_escalates_with_a_note(ai_server, ai_queue):
    enable()
    ai_server.reply = json.dumps({"confident": False, "answer": "", "reason": "the articles do not cover invoices"})
    ticket = make_ticket(body="Where is my invoice?")
    assert ai_pipeline.offer_ticket(ticket.id) == "escalated"
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == "priority" and ticket.assignee_id is None and not messages(ticket.id, "ai")
    [note] = messages(ticket.id, "note")
    assert "invoices" in note.body_text and note.event_data == {"by": "ai"}


def test_priority_filters_escalate_without_asking_the_model(ai_server, ai_queue):
    enable(keywords="lawsuit, GDPR", traits="plan = enterprise")
    kb()
    by_keyword = make_ticket(body="This is a GDPR request for my password data")
    by_trait = make_ticket(customer=make_customer(traits={"plan": "Enterprise"}), body="How do I reset my password?")
    by_mood = make_ticket(body="This is terrible and unacceptable, the worst support ever. Password reset broken!!")
    for ticket, why in ((by_keyword, "GDPR"), (by_trait, "plan is enterprise"), (by_mood, "upset")):
        assert ai_pipeline.offer_ticket(ticket.id) == "escalated"
        assert db.session.get(Ticket, ticket.id).status == "priority"
        assert why in messages(ticket.id, "note")[0].body_text
    assert ai_server.requests == []


def test_provider_down_leaves_ticket_untouched_and_visible(ai_server, ai_queue):
    enable()
    kb()
    ai_server.reply = ("error", 502)
    ticket = make_ticket(body="How do I reset my password?")
    assert ai_pipeline.offer_ticket(ticket.id) == "unavailable"
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == "open" and ticket.assignee_id is None
    assert not messages(ticket.id, "ai") and not messages(ticket.id, "note")
    [event] = [m for m in messages(ticket.id, "event") if m.event_type == "ai"]
    assert event.event_data["outcome"] == "unavailable" and "HTTP 502" in event.event_data["text"]
    assert ai_pipeline.offer_ticket(ticket.id) == "skipped"


def test_pipeline_off_or_ticket_taken_does_nothing(ai_server, ai_queue):
    ticket = make_ticket(body="How do I reset my password?")
    assert ai_pipeline.offer_ticket(ticket.id) == "disabled"
    enable()
    status.change_status(ticket.id, "in_progress", None)
    assert ai_pipeline.offer_ticket(ticket.id) == "skipped" and ai_server.requests == []


def test_passing_an_escalated_email_back_to_the_ai_offers_it_again(ai_server, ai_queue, as_agent, agent):
    enable()
    kb()
    ai_server.reply = json.dumps({"confident": False, "answer": "", "reason": "unsure"})
    ticket = make_ticket(body="How do I reset my password?")
    assert ai_pipeline.offer_ticket(ticket.id) == "escalated"
    assert "Pass to AI" in as_agent.get(f"/tickets/{ticket.id}").text
    # A teammate reads it, adds an article, and hands it back through the ticket page.
    ai_server.reply = json.dumps({"confident": True, "source": "A1", "answer": "Use the Forgot password link."})
    response = as_agent.post(f"/tickets/{ticket.id}/pass-to-ai")
    assert response.status_code in (302, 303)
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == "resolved" and [m.body_text for m in messages(ticket.id, "ai")] == [
        "Use the Forgot password link."]
    assert "Pass to AI" not in as_agent.get(f"/tickets/{ticket.id}").text  # resolved now


def test_a_passed_email_nobody_is_waiting_on_is_left_alone(ai_server, ai_queue, agent):
    enable()
    kb()
    ticket = make_ticket(body="How do I reset my password?")
    from halo.services.tickets import handoff, replies
    replies.post_reply(ticket.id, agent.id, "Done it for you.", "email")
    requests = len(ai_server.requests)
    handoff.pass_to_ai(ticket.id, agent.id)  # the teammate wrote last: nothing to answer
    assert len(ai_server.requests) == requests and not messages(ticket.id, "ai")


@pytest.mark.parametrize("text, upset", [
    ("This is terrible and unacceptable, the worst support ever!!", True),
    ("I am not happy at all with this, it is ridiculous", True),  # negation read as such
    ("My order arrived broken and nobody answers. Third time I write. Unacceptable.", True),
    ("I am not angry, just curious how refunds work", False),  # a word list said upset
    ("The kettle is broken, can you send a new one?", False),
    ("Thanks, great work!", False),
])
def test_sentiment_reads_tone_not_single_words(text, upset):
    assert (ai_pipeline.sentiment(text) <= ai_pipeline.UPSET) is upset


def test_a_calm_customer_is_not_escalated_for_a_negated_word(ai_server, ai_queue):
    enable()
    kb()
    ai_server.reply = json.dumps({"confident": False, "answer": "", "reason": "not covered"})
    ticket = make_ticket(body="I'm not angry or frustrated, just wondering how to reset my password.")
    ai_pipeline.offer_ticket(ticket.id)
    assert "upset" not in " ".join(m.body_text for m in messages(ticket.id, "note"))
    assert ai_server.requests  # the model was asked: no priority filter claimed it


def test_priority_filters_can_apply_a_tag(ai_server, ai_queue):
    ai_settings.save(True, False, "lawsuit", "", False, tag="Legal")
    ticket = make_ticket(body="We will file a lawsuit")
    assert ai_pipeline.offer_ticket(ticket.id) == "escalated"
    from halo.services.tickets.tags import tags_of
    assert tags_of([ticket.id])[ticket.id] == ["Legal"]
    line = db.session.scalar(db.select(Message).where(Message.ticket_id == ticket.id, Message.event_type == "tags"))
    assert line.event_data == {"added": ["Legal"], "removed": []} and line.author_id is None
    with pytest.raises(Exception, match="must be 1-40"):
        ai_settings.save(True, False, "", "", False, tag="<bad>")
    assert ai_settings.get("ai_priority_tag") == "Legal"
