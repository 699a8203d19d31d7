"""The API channel over real HTTP: a bridge posts its contacts' messages to an inbox of kind
API (a served Halo, httpx), each contact one conversation, each message id stored once; the
team's replies reach the bridge's own receiver signed, in order, retried; statuses and the
AI work as for chat."""
import json
from datetime import timedelta

import httpx
import pytest

from halo.extensions import db
from halo.models import ApiContact, Message, Ticket
from halo.services.access import inboxes
from halo.services.ai import knowledge as ai_knowledge
from halo.services.ai import settings as ai_settings
from halo.services.integrations import api_channel, tokens
from halo.services.integrations.webhooks import delivery, endpoints
from halo.services.tickets.replies import post_reply
from halo.services.tickets.status import change_status
from tests.ai_support import ai_queue, ai_server  # noqa: F401
from tests.api.conftest import Api, token_for
from tests.integration.test_webhooks import Receiver, _headers, _verify_by_hand


@pytest.fixture
def receiver(app, monkeypatch):
    monkeypatch.setitem(app.config, "HALO_OUTBOUND_ALLOW", "127.0.0.1")
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def channel(admin, receiver):
    return api_channel.create_channel(admin.id, "WhatsApp", receiver.url)


@pytest.fixture
def bridge(live_server, admin, channel):
    secret = tokens.create_token(admin.id, "WhatsApp bridge", "write", "workspace")[1]
    with httpx.Client(base_url=live_server + "/api/v1", timeout=10,
                      headers={"Authorization": f"Bearer {secret}"}) as client:
        yield client


def _post(bridge, channel, contact, message_id, text, **extra):
    return bridge.post(f"/inboxes/{channel.inbox_id}/messages", json={
        "contact": {"id": contact, **extra}, "message": {"id": message_id, "text": text}})


def test_a_bridges_messages_make_one_conversation_per_contact(bridge, channel):
    first = _post(bridge, channel, "wa:+4915550001", "m1", "Hi, is my order shipped?", name="Ana")
    assert first.status_code == 201, first.text
    again = _post(bridge, channel, "wa:+4915550001", "m1", "Hi, is my order shipped?", name="Ana")
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["id"] == first.json()["id"]
    second = _post(bridge, channel, "wa:+4915550001", "m2", "It's order 1234")
    other = _post(bridge, channel, "wa:+4915550002", "m1", "Hello")
    ticket_id = first.json()["ticket_id"]
    assert second.json()["ticket_id"] == ticket_id != other.json()["ticket_id"]
    ticket = db.session.get(Ticket, ticket_id)
    assert ticket.channel == "api" and ticket.inbox_id == channel.inbox_id
    assert ticket.customer.name == "Ana"
    texts = db.session.scalars(db.select(Message.body_text).where(Message.ticket_id == ticket_id)
                               .order_by(Message.id)).all()
    assert texts == ["Hi, is my order shipped?", "It's order 1234"]


def test_bad_bridge_posts_name_the_field_and_store_nothing(bridge, channel, admin):
    mail_inbox = inboxes.save_inbox(admin.id, None, name="Plain mail")
    cases = [({"contact": {"id": "x"}, "message": {"id": "m", "text": ""}}, 422, "#/message/text"),
             ({"contact": {"id": "x"}, "message": {"id": "has space", "text": "Hi"}}, 422, "#/message/id"),
             ({"contact": {"id": "x", "phone": "1"}, "message": {"id": "m", "text": "Hi"}}, 422, "#/contact/phone"),
             ({"contact": {}, "message": {"id": "m", "text": "Hi"}}, 422, "#/contact/id")]
    for payload, status, pointer in cases:
        response = bridge.post(f"/inboxes/{channel.inbox_id}/messages", json=payload)
        assert response.status_code == status and response.headers["content-type"] == "application/problem+json"
        assert pointer in [e["pointer"] for e in response.json()["errors"]], response.json()
    not_api = bridge.post(f"/inboxes/{mail_inbox.id}/messages",
                          json={"contact": {"id": "x"}, "message": {"id": "m", "text": "Hi"}})
    assert not_api.status_code == 404 and "not an API channel" in not_api.json()["detail"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Ticket)) == 0


def test_replies_reach_the_bridge_signed_and_in_order(app, bridge, channel, receiver, agent, client):
    ticket_id = _post(bridge, channel, "wa:+4915550001", "m1", "Where is my parcel?").json()["ticket_id"]
    api = Api(client, token_for(agent))
    for text in ("Let me check.", "It left the warehouse today."):
        assert api.post(f"/tickets/{ticket_id}/messages", json={"body": text}).status_code == 201
    assert app.extensions["halo_queue"].idle(lanes=["webhooks"])
    secret = endpoints.secret_of(channel.endpoint)
    bodies = [json.loads(b) for _, b in receiver.calls]
    assert [b["data"]["message"]["body_text"] for b in bodies] == ["Let me check.", "It left the warehouse today."]
    assert all(b["data"]["contact_id"] == "wa:+4915550001" for b in bodies)
    assert all(_verify_by_hand(secret, _headers(c), c[1]) for c in receiver.calls)
    db.session.expire_all()
    states = db.session.scalars(db.select(Message.delivery).where(Message.ticket_id == ticket_id,
                                                                  Message.kind == "agent")).all()
    assert states == ["delivered", "delivered"]


def test_a_failing_bridge_marks_the_reply_failed_after_its_retries(app, bridge, channel, receiver, agent,
                                                                   monkeypatch, frozen):
    ticket_id = _post(bridge, channel, "wa:+1", "m1", "Hello?").json()["ticket_id"]
    monkeypatch.setattr("halo.services.integrations.webhooks.capture.start_deliveries",
                        lambda *a, **k: None)  # the test drives the deliveries
    reply = post_reply(ticket_id, agent.id, "Hi there", "chat")
    assert reply.channel == "api"
    receiver.answers = [(502, {})] * delivery.MAX_ATTEMPTS
    now = frozen.start
    for wait in delivery.RETRY_AFTER + (None,):
        delivery.deliver_key(channel.endpoint_id, f"ticket:{ticket_id}")
        db.session.expire_all()
        if wait is not None:
            assert "Retrying" in db.session.get(Message, reply.id).delivery_error
            now = frozen(now + timedelta(seconds=wait))
    failed = db.session.get(Message, reply.id)
    assert failed.delivery == "failed" and "502" in failed.delivery_error


def test_statuses_work_as_for_chat(bridge, channel, agent):
    ticket_id = _post(bridge, channel, "wa:+2", "m1", "Thanks, all good").json()["ticket_id"]
    change_status(ticket_id, "resolved", agent.id)
    _post(bridge, channel, "wa:+2", "m2", "Actually, one more thing")
    db.session.expire_all()
    assert db.session.get(Ticket, ticket_id).status == "open"  # new activity reopens it
    assert db.session.scalar(db.select(ApiContact.ticket_id).where(ApiContact.contact_id == "wa:+2")) == ticket_id


def test_the_ai_answers_an_api_conversation_as_it_does_chat(app, channel, receiver, ai_server, ai_queue, admin):
    ai_settings.save(False, True, "", "", True)
    ai_knowledge.create_article("Opening hours", "We are open from 9 to 5 on weekdays.", True, admin.id)
    message, created = api_channel.receive(channel.inbox_id, "wa:+3", "m1", "What are your opening hours?")
    answers = db.session.scalars(db.select(Message).where(Message.ticket_id == message.ticket_id,
                                                          Message.kind == "ai")).all()
    assert created and len(answers) == 1 and answers[0].channel == "api"
    assert "9 to 5" in answers[0].body_text
    sent = [json.loads(b) for _, b in receiver.calls]
    assert [s["data"]["message"]["kind"] for s in sent] == ["ai"]
