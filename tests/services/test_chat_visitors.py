"""Widget visitors, called directly: the signed token, identify and connection counts."""
import hashlib
import hmac

import pytest
from itsdangerous import URLSafeSerializer

from halo.extensions import db
from halo.models import Customer, Ticket, Visitor
from halo.services.chat import visitors as chat
from halo.services.errors import Forbidden, ValidationError
from halo.services.settings import set_setting
from tests.factories import make_customer, make_ticket


def _chatting():
    """A visitor with a conversation (how its messages arrive is tested elsewhere)."""
    visitor, _ = chat.open_visitor(None)
    visitor.ticket_id = make_ticket(customer=visitor.customer, channel="chat").id
    db.session.commit()
    return visitor


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
    visitor = _chatting()
    identified = chat.identify_visitor(visitor.id, " VIP@example.com ", name="Mallory")
    assert identified.customer_id != known.id and identified.identified is False
    own = db.session.get(Customer, identified.customer_id)
    assert (own.name, own.traits["claimed_email"]) == ("Mallory", "vip@example.com")
    assert db.session.get(Customer, known.id).name == "Vip"


def test_a_verified_identify_moves_the_visitor_and_its_conversation_to_the_customer():
    set_setting("widget_identity_secret", "s3cret")
    known = make_customer(email="ann@example.com", name="Ann", traits={"plan": "free", "company": "Acme"})
    visitor = _chatting()
    good = hmac.new(b"s3cret", b"ann@example.com", hashlib.sha256).hexdigest()
    traits = {"plan": "pro", "language": "de", "nested": {"x": 1}, "k" * 80: True}
    identified = chat.identify_visitor(visitor.id, "Ann@Example.com", name="Ann B", traits=traits,
                                       user_hash=good)
    assert identified.customer_id == known.id and identified.identified is True
    assert db.session.get(Ticket, identified.ticket_id).customer_id == known.id
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



def test_a_new_visitor_is_stamped_with_the_time_given(frozen):
    from datetime import timedelta
    at = frozen.start + timedelta(minutes=7)  # given, not the clock's
    visitor, _ = chat.open_visitor(None, now=at)
    assert (visitor.created_at, visitor.last_seen_at, visitor.customer.created_at) == (at, at, at)
