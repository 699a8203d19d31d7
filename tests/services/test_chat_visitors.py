"""Widget visitors, called directly: the signed token, identify, messages and delivery."""
import hashlib
import hmac

import pytest
from itsdangerous import URLSafeSerializer

from halo.extensions import db
from halo.models import Customer, Message, Ticket, Visitor
from halo.services.chat import visitors as chat
from halo.services.errors import Forbidden, ValidationError
from halo.services.settings import set_setting
from halo.services.tickets import replies
from tests.factories import make_customer, make_user


def test_a_token_brings_back_its_own_visitor(frozen):
    visitor, token = chat.open_visitor(None)
    assert (visitor.customer.name, visitor.customer.traits) == ("", {})
    assert visitor.created_at == visitor.last_seen_at == frozen.start
    assert len(visitor.key) >= 40
    again, same = chat.open_visitor(token)
    assert again.id == visitor.id and same == token
    assert db.session.scalar(db.select(db.func.count(Visitor.id))) == 1


@pytest.mark.parametrize("forge", [
    lambda token, key: token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"),  # bad signature
    lambda token, key: URLSafeSerializer("another-secret", salt="halo-visitor").dumps({"v": key}),
    lambda token, key: URLSafeSerializer("test-secret", salt="other-salt").dumps({"v": key}),
    lambda token, key: URLSafeSerializer("test-secret", salt="halo-visitor").dumps({"v": "no-such-key"}),
    lambda token, key: URLSafeSerializer("test-secret", salt="halo-visitor").dumps(key),  # not a dict
    lambda token, key: "garbage",
])
def test_a_forged_token_gets_a_new_visitor_never_the_owner(forge):
    visitor, token = chat.open_visitor(None)
    stranger, stranger_token = chat.open_visitor(forge(token, visitor.key))
    assert stranger.id != visitor.id and stranger.customer_id != visitor.customer_id
    assert stranger_token != token


def test_user_hash_is_an_hmac_of_the_email():
    good = hmac.new(b"s3cret", b"ann@example.com", hashlib.sha256).hexdigest()
    assert not chat.valid_user_hash("ann@example.com", good)  # no secret configured
    set_setting("widget_identity_secret", "s3cret")
    assert chat.valid_user_hash("ann@example.com", good)
    assert chat.valid_user_hash("ann@example.com", good.upper())
    assert not chat.valid_user_hash("bob@example.com", good)
    assert not chat.valid_user_hash("ann@example.com", None) and not chat.valid_user_hash("ann@example.com", "")


def test_identify_refuses_bad_emails_and_bad_hashes():
    visitor, _ = chat.open_visitor(None)
    for email in ("", "no-at-sign", "a@" + "b" * 253):  # 255 characters
        with pytest.raises(ValidationError, match="valid email"):
            chat.identify_visitor(visitor.id, email)
    with pytest.raises(Forbidden):  # a hash that does not match is refused even when not enforced
        chat.identify_visitor(visitor.id, "ann@example.com", user_hash="deadbeef")
    set_setting("widget_identity_enforce", True)
    with pytest.raises(Forbidden):
        chat.identify_visitor(visitor.id, "ann@example.com")
    assert db.session.get(Customer, visitor.customer_id).email is None


def test_an_unverified_claim_to_a_known_email_keeps_the_visitors_own_profile():
    known = make_customer(email="vip@example.com", name="Vip")
    visitor, _ = chat.open_visitor(None)
    chat.receive_visitor_message(visitor.id, "c-1", "Hello")
    identified = chat.identify_visitor(visitor.id, " VIP@example.com ", name="Mallory")
    assert identified.customer_id != known.id and identified.identified is False
    own = db.session.get(Customer, identified.customer_id)
    assert (own.name, own.traits["claimed_email"]) == ("Mallory", "vip@example.com")
    assert db.session.get(Customer, known.id).name == "Vip"


def test_a_verified_identify_moves_the_visitor_and_its_conversation_to_the_customer():
    set_setting("widget_identity_secret", "s3cret")
    known = make_customer(email="ann@example.com", name="Ann", traits={"plan": "free", "company": "Acme"})
    visitor, _ = chat.open_visitor(None)
    message, _ = chat.receive_visitor_message(visitor.id, "c-1", "Hello")
    good = hmac.new(b"s3cret", b"ann@example.com", hashlib.sha256).hexdigest()
    traits = {"plan": "pro", "language": "de", "nested": {"x": 1}, "k" * 80: True}
    identified = chat.identify_visitor(visitor.id, "Ann@Example.com", name="Ann B", traits=traits,
                                       user_hash=good)
    assert identified.customer_id == known.id and identified.identified is True
    assert db.session.get(Ticket, message.ticket_id).customer_id == known.id
    ann = db.session.get(Customer, known.id)
    assert (ann.name, ann.language) == ("Ann B", "de")
    assert ann.traits == {"plan": "pro", "company": "Acme", "k" * 60: True}


def test_a_new_email_becomes_the_visitors_own():
    visitor, _ = chat.open_visitor(None)
    chat.identify_visitor(visitor.id, "new@example.com", name="N" * 300)
    own = db.session.get(Customer, visitor.customer_id)
    assert (own.email, own.name) == ("new@example.com", "N" * 200)
    longest = "a@" + "b" * 252  # 254 characters: the most an address may have
    other, _ = chat.open_visitor(None)
    chat.identify_visitor(other.id, longest, traits=["not", "a", "dict"])
    theirs = db.session.get(Customer, other.customer_id)
    assert (theirs.email, theirs.name, theirs.traits) == (longest, "", {})  # no name given: none invented
    chat.identify_visitor(other.id, longest, traits={"language": "pt-BR-x-" + "y" * 20, "plan": "pro"})
    assert (theirs.language, theirs.traits) == (("pt-BR-x-" + "y" * 20)[:16], {"plan": "pro"})


def test_a_message_needs_a_client_id_and_a_body_of_sensible_size():
    visitor, _ = chat.open_visitor(None)
    for client_id, body, reason in (("", "Hi", "client id"), ("x" * 65, "Hi", "client id"),
                                    ("c-1", "   ", "Write something"), ("c-1", "x" * 4001, "too long")):
        with pytest.raises(ValidationError, match=reason):
            chat.receive_visitor_message(visitor.id, client_id, body)
    message, created = chat.receive_visitor_message(visitor.id, "x" * 64, "  " + "y" * 4000 + " ")
    assert created and message.body_text == "y" * 4000
    assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 1


def test_the_first_message_starts_a_chat_ticket_the_next_ones_join_it(frozen):
    visitor, _ = chat.open_visitor(None)
    first, _ = chat.receive_visitor_message(visitor.id, "c-1", "My   kettle\nleaks " + "a" * 100)
    ticket = db.session.get(Ticket, first.ticket_id)
    assert (ticket.channel, ticket.status, ticket.subject) == ("chat", "open", ("My kettle leaks " + "a" * 100)[:80])
    assert ticket.customer_id == visitor.customer_id and ticket.created_at == frozen.start
    second, created = chat.receive_visitor_message(visitor.id, "c-2", "Still there?")
    assert created and second.ticket_id == ticket.id and (second.kind, second.channel) == ("customer", "chat")
    same, created = chat.receive_visitor_message(visitor.id, "c-1", "My kettle leaks")
    assert not created and same.id == first.id


def test_messages_after_gives_the_visitors_chat_in_order_from_a_point():
    agent = make_user(name="Sara Lind")
    visitor, _ = chat.open_visitor(None)
    first, _ = chat.receive_visitor_message(visitor.id, "c-1", "Hello?")
    replies.post_reply(first.ticket_id, agent.id, "a note", "note")
    reply = replies.post_reply(first.ticket_id, agent.id, "Hi!", "chat")
    email = Message(ticket_id=first.ticket_id, kind="agent", channel="email", body_text="by email")
    db.session.add(email)
    db.session.commit()
    assert [m.id for m in chat.messages_after(visitor.id)] == [first.id, reply.id]
    assert [m.id for m in chat.messages_after(visitor.id, first.id)] == [reply.id]
    assert [m.id for m in chat.messages_after(visitor.id, 0, limit=1)] == [first.id]
    assert chat.messages_after(chat.open_visitor(None)[0].id) == []
    assert chat.messages_after(999999) == []


def test_client_ids_are_per_conversation():
    a, _ = chat.open_visitor(None)
    b, _ = chat.open_visitor(None)
    for visitor in (a, b):
        chat.receive_visitor_message(visitor.id, "c-1", "Hello")
    mine, created = chat.receive_visitor_message(b.id, "c-2", "Mine")
    theirs, also_created = chat.receive_visitor_message(a.id, "c-2", "Theirs")
    assert created and also_created and mine.id != theirs.id
    assert (theirs.ticket_id, theirs.body_text) == (db.session.get(Visitor, a.id).ticket_id, "Theirs")


def test_an_alias_is_all_the_customer_sees_of_the_agent():
    from halo.models import AliasUser
    agent = make_user(name="Sara Lind")
    visitor, _ = chat.open_visitor(None)
    mine, _ = chat.receive_visitor_message(visitor.id, "c-1", "Hello?")
    alias = AliasUser(name="Support Bot", avatar_file="bot.png")
    db.session.add(alias)
    db.session.commit()
    reply = replies.post_reply(mine.ticket_id, agent.id, "Hi!", "chat", alias_id=alias.id)
    assert chat.widget_json(reply, lambda a: f"/avatars/{a.id}")["author"] == {
        "name": "Support Bot", "avatar": f"/avatars/{alias.id}"}
    assert chat.widget_json(reply)["author"] == {"name": "Support Bot", "avatar": None}


def test_widget_json_never_names_more_than_the_customer_should_see(frozen):
    agent = make_user(name="Sara Lind")
    visitor, _ = chat.open_visitor(None)
    mine, _ = chat.receive_visitor_message(visitor.id, "c-1", "Hello?")
    assert chat.widget_json(mine) == {"type": "message", "id": mine.id, "client_id": "c-1", "body": "Hello?",
                                      "at": frozen.start.isoformat() + "Z", "from": "visitor"}
    reply = replies.post_reply(mine.ticket_id, agent.id, "Hi!", "chat")
    assert chat.widget_json(reply)["author"] == {"name": "Sara", "avatar": None}
    assert chat.widget_json(reply)["from"] == "team"
    ai = Message(ticket_id=mine.ticket_id, kind="ai", channel="chat", body_text="Beep", created_at=frozen.start)
    nobody = Message(ticket_id=mine.ticket_id, kind="agent", channel="chat", body_text="Hm", created_at=frozen.start)
    db.session.add_all([ai, nobody])
    db.session.commit()
    assert chat.widget_json(ai)["author"] == {"name": "Halo AI", "avatar": None}
    assert chat.widget_json(nobody)["author"] == {"name": "Team", "avatar": None}


def test_a_chat_reply_is_sent_only_when_a_widget_can_fetch_it_and_delivered_when_it_says_so():
    agent = make_user()
    visitor, _ = chat.open_visitor(None)
    mine, _ = chat.receive_visitor_message(visitor.id, "c-1", "Hello?")
    reply = replies.post_reply(mine.ticket_id, agent.id, "Hi!", "chat")
    later = replies.post_reply(mine.ticket_id, agent.id, "Still there?", "chat")
    assert (reply.delivery, later.delivery) == ("sent", "sent")
    chat.mark_delivered(visitor.id, reply.id)
    db.session.expire_all()
    assert [db.session.get(Message, m.id).delivery for m in (reply, later)] == ["delivered", "sent"]
    by_email = Message(ticket_id=mine.ticket_id, kind="agent", channel="email", body_text="e", delivery="sent")
    failed = Message(ticket_id=mine.ticket_id, kind="agent", channel="chat", body_text="f", delivery="failed")
    other, _ = chat.open_visitor(None)
    theirs, _ = chat.receive_visitor_message(other.id, "c-1", "Me too")
    their_reply = replies.post_reply(theirs.ticket_id, agent.id, "Hello other", "chat")
    db.session.add_all([by_email, failed])
    db.session.commit()
    chat.mark_delivered(visitor.id, max(by_email.id, failed.id, their_reply.id))
    db.session.expire_all()
    assert db.session.get(Message, later.id).delivery == "delivered"
    assert [db.session.get(Message, m.id).delivery for m in (by_email, failed, their_reply)] == [
        "sent", "failed", "sent"]  # another channel, not sent, another visitor's
    orphan = Message(ticket_id=mine.ticket_id, kind="agent", channel="chat", body_text="x", delivery="queued")
    db.session.add(orphan)
    db.session.get(Visitor, visitor.id).ticket_id = None
    db.session.commit()
    chat.deliver_chat(orphan.id)
    orphan = db.session.get(Message, orphan.id)
    assert (orphan.delivery, orphan.delivery_error) == ("failed", "No chat widget is attached to this ticket.")
    chat.deliver_chat(orphan.id)  # only a queued reply is looked at
    assert db.session.get(Message, orphan.id).delivery == "failed"
    chat.mark_delivered(visitor.id, 10**9)  # no conversation any more: nothing to mark


def test_connections_are_counted_and_never_below_zero(frozen):
    visitor, _ = chat.open_visitor(None)
    chat.visitor_connected(visitor.id, +1)
    chat.visitor_connected(visitor.id, +1, now=frozen.start.replace(hour=10))
    assert (visitor.connections, visitor.last_seen_at) == (2, frozen.start.replace(hour=10))
    for _ in range(3):
        chat.visitor_connected(visitor.id, -1)
    assert visitor.connections == 0 and visitor.last_seen_at == frozen.start


def test_a_token_issued_before_an_upgrade_still_opens_its_visitor():
    visitor, _ = chat.open_visitor(None)
    stored = URLSafeSerializer("test-secret", salt="halo-visitor").dumps({"v": visitor.key})
    assert chat.open_visitor(stored)[0].id == visitor.id


def test_times_given_are_the_times_written(frozen):
    from datetime import timedelta
    at = frozen.start + timedelta(minutes=7)  # given, not the clock's
    visitor, _ = chat.open_visitor(None, now=at)
    assert (visitor.created_at, visitor.last_seen_at, visitor.customer.created_at) == (at, at, at)
    later = at + timedelta(minutes=1)
    message, _ = chat.receive_visitor_message(visitor.id, "c-1", "Hallo, ich habe eine Frage zu meiner Bestellung.",
                                              now=later)
    ticket = db.session.get(Ticket, message.ticket_id)
    assert (message.created_at, ticket.created_at, ticket.last_activity_at) == (later, later, later)
    assert message.language == "de"


def test_a_reply_already_sent_or_delivered_is_left_alone():
    agent = make_user()
    visitor, _ = chat.open_visitor(None)
    mine, _ = chat.receive_visitor_message(visitor.id, "c-1", "Hello?")
    reply = replies.post_reply(mine.ticket_id, agent.id, "Hi!", "chat")
    chat.mark_delivered(visitor.id, reply.id)
    chat.deliver_chat(reply.id)
    assert db.session.get(Message, reply.id).delivery == "delivered"
