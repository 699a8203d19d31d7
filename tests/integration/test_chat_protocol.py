"""The widget protocol against a live server with a real WebSocket client."""
import hashlib
import hmac

import pytest
from simple_websocket import ConnectionClosed
from simple_websocket import ConnectionError as HandshakeRefused

from halo.extensions import db
from halo.models import Customer, Message, Ticket, Visitor
from halo.services.settings import set_setting
from halo.services.tickets import replies
from tests.factories import make_user

from .chat_helpers import Widget


@pytest.fixture
def server(live_server):
    """The live server, with its own URL as the allowed site the widget is embedded on.

    (simple-websocket's client leaves the port out of Host, so Halo's own origin would
    not match; a browser sends it.)"""
    set_setting("widget_allowed_origins", [live_server])
    return live_server


def test_send_is_acked_stored_once_and_echoed(server):
    w = Widget(server)
    w.send({"type": "send", "client_id": "c-1", "body": "Hi, is anyone there?"})
    ack = w.until("ack", client_id="c-1")
    echo = w.until("message", id=ack["id"])
    assert echo["from"] == "visitor" and echo["body"] == "Hi, is anyone there?"
    w.send({"type": "send", "client_id": "c-1", "body": "Hi, is anyone there?"})
    assert w.until("ack", client_id="c-1")["id"] == ack["id"]
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Message.id)).where(Message.client_id == "c-1")) == 1
    assert db.session.get(Ticket, db.session.get(Message, ack["id"]).ticket_id).channel == "chat"
    w.close()


def test_reply_missed_while_away_arrives_once_on_reconnect(server):
    agent = make_user()
    w = Widget(server)
    w.send({"type": "send", "client_id": "c-1", "body": "Where is my order?"})
    mine = w.until("ack")["id"]
    w.close()
    ticket_id = db.session.get(Message, mine).ticket_id
    reply = replies.post_reply(ticket_id, agent.id, "It ships today.", "chat")
    replies.post_reply(ticket_id, agent.id, "Internal: check the warehouse", "note")

    back = Widget(server, token=w.token, last_id=mine)
    got = back.until("message", id=reply.id)
    assert got["body"] == "It ships today." and got["author"]["name"] == agent.name.split()[0]
    later = back.roundtrip()
    assert not [f for f in later if f.get("type") == "message"], "delivered twice or a note leaked"
    db.session.expire_all()
    assert db.session.get(Message, reply.id).delivery == "waiting"  # pushed, not yet confirmed
    back.send({"type": "received", "id": reply.id})
    back.roundtrip()
    db.session.expire_all()
    assert db.session.get(Message, reply.id).delivery == "delivered"
    back.close()


def test_live_reply_pushed_and_typing_both_ways(server):
    agent = make_user()
    w = Widget(server)
    w.send({"type": "send", "client_id": "c-1", "body": "Hello"})
    ticket_id = db.session.get(Message, w.until("ack")["id"]).ticket_id
    reply = replies.post_reply(ticket_id, agent.id, "Hi! How can I help?", "chat")
    assert w.until("message", id=reply.id)["from"] == "team"
    from halo.services.tickets import presence
    presence.announce(ticket_id, "typing", user_id=agent.id, name=agent.name)
    typing = w.until("typing")
    assert "name" not in typing  # the customer may be talking to an alias
    w.close()


def test_another_visitors_conversation_is_refused(server):
    a = Widget(server)
    a.send({"type": "send", "client_id": "a-1", "body": "My secret order 123"})
    a.until("ack")
    forged = a.token[:-4] + ("AAAA" if not a.token.endswith("AAAA") else "BBBB")
    b = Widget(server, token=forged, last_id=0)
    assert b.token != a.token
    assert not [f for f in b.roundtrip() if f.get("type") == "message"]
    b.send({"type": "send", "client_id": "a-1", "body": "hi", "ticket_id": 1, "visitor": 1})
    ack = b.until("ack")
    db.session.expire_all()
    visitors = db.session.scalars(db.select(Visitor).order_by(Visitor.id)).all()
    assert visitors[0].ticket_id != visitors[1].ticket_id
    assert db.session.get(Message, ack["id"]).ticket_id == visitors[1].ticket_id
    a.close(), b.close()


def test_bad_origin_is_refused_before_the_handshake(server):
    with pytest.raises(HandshakeRefused):
        Widget(server, origin="https://evil.example")
    set_setting("widget_allowed_origins", [server, "https://shop.example"])
    Widget(server, origin="https://shop.example").close()


def test_oversized_frame_closes_the_socket(server):
    w = Widget(server)
    w.send({"type": "send", "client_id": "big", "body": "x" * 40000})
    with pytest.raises(ConnectionClosed):
        for _ in range(10):
            w.recv(timeout=5)
    assert w.ws.close_reason == 1009
    assert db.session.scalar(db.select(Message.id).where(Message.client_id == "big")) is None


def test_flood_is_rate_limited(server):
    w = Widget(server)
    for i in range(40):
        w.send({"type": "typing"})
    w.until("error", code="rate_limited")
    w.close()


def test_identify_enforced_hash_traits_and_language(server):
    set_setting("widget_identity_secret", "s3cret")
    set_setting("widget_identity_enforce", True)
    w = Widget(server)
    w.send({"type": "identify", "email": "ann@example.com", "name": "Ann"})
    assert w.until("error")["code"] == "forbidden"
    good = hmac.new(b"s3cret", b"ann@example.com", hashlib.sha256).hexdigest()
    w.send({"type": "identify", "email": "ann@example.com", "name": "Ann", "user_hash": good,
            "traits": {"plan": "pro", "language": "de"}})
    assert w.until("identified")["verified"] is True
    db.session.expire_all()
    assert db.session.scalar(db.select(Customer)) is None  # recorded with the first message
    w.send({"type": "send", "client_id": "c-1", "body": "Hello"})
    ticket = db.session.get(Ticket, db.session.get(Message, w.until("ack")["id"]).ticket_id)
    ann = db.session.scalar(db.select(Customer).where(Customer.email == "ann@example.com"))
    assert ann.name == "Ann" and ann.language == "de" and ann.traits["plan"] == "pro"
    assert ticket.customer_id == ann.id
    w.send({"type": "identify", "email": "ann@example.com", "traits": {"plan": "max"}, "user_hash": good})
    assert w.until("identified")["verified"] is True  # a stored visitor: recorded at once
    db.session.expire_all()
    assert db.session.get(Customer, ann.id).traits["plan"] == "max"
    w.close()
