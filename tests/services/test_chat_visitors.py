"""Widget visitors, called directly: the signed, stamped token; a hello that writes nothing;
identify (a claim unless the site vouches for it); connection counts."""
import hashlib
import hmac
from datetime import timedelta

import pytest
from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer

from halo.extensions import db
from halo.models import Customer, Ticket, Visitor
from halo.services.chat import tokens
from halo.services.chat import visitors as chat
from halo.services.email.threads import find_or_create_customer
from halo.services.errors import Forbidden, ValidationError
from halo.services.settings import set_setting
from tests.factories import make_customer, make_ticket

DAY = timedelta(days=1)


def _chatting():
    """A visitor with a conversation (how its messages arrive is tested elsewhere)."""
    visitor, _ = chat.open_visitor(None)
    visitor.ticket_id = make_ticket(customer=visitor.customer, channel="chat").id
    db.session.commit()
    return visitor


def _rows():
    db.session.expire_all()
    return (db.session.scalar(db.select(db.func.count(Visitor.id))),
            db.session.scalar(db.select(db.func.count(Customer.id))))


def _hash(email, secret=b"s3cret"):
    return hmac.new(secret, email.encode(), hashlib.sha256).hexdigest()


def test_a_token_brings_back_its_own_visitor(frozen):
    visitor, token = chat.open_visitor(None)
    assert (visitor.customer.name, visitor.customer.traits) == ("", {})
    assert visitor.created_at == visitor.last_seen_at == frozen.start
    assert len(visitor.key) >= 40
    again = chat.open_session(token)
    assert (again.visitor_id, again.key, again.fresh) == (visitor.id, visitor.key, False)
    assert _rows() == (1, 1)


def test_a_hello_writes_nothing_until_the_first_message_stores_the_visitor():
    opened = [chat.open_session(None) for _ in range(5)]
    assert _rows() == (0, 0)
    assert all(o.fresh and o.visitor_id is None for o in opened)
    assert len({o.key for o in opened}) == 5
    back = chat.open_session(opened[0].token)  # a token whose visitor never wrote: same key
    assert (back.key, back.visitor_id, back.fresh) == (opened[0].key, None, False)
    assert _rows() == (0, 0)
    stored = chat.store_visitor(back.key)
    assert chat.store_visitor(back.key).id == stored.id  # a second socket's first message
    assert chat.open_session(back.token).visitor_id == stored.id
    assert _rows() == (1, 1)


@pytest.mark.parametrize("forge", [
    lambda token, key: token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"),  # bad signature
    lambda token, key: URLSafeTimedSerializer("another-secret", salt=tokens.SALT).dumps({"v": key}),
    lambda token, key: URLSafeTimedSerializer("test-secret", salt="other-salt").dumps({"v": key}),
    lambda token, key: URLSafeTimedSerializer("test-secret", salt=tokens.SALT).dumps(key),  # not a dict
    lambda token, key: URLSafeTimedSerializer("test-secret", salt=tokens.SALT).dumps({"v": 7}),
    lambda token, key: "garbage",
    lambda token, key: 17,
    lambda token, key: ["a", "list"],
])
def test_a_forged_token_gets_a_new_key_never_the_owner(forge):
    visitor, token = chat.open_visitor(None)
    stranger = chat.open_session(forge(token, visitor.key))
    assert stranger.fresh and stranger.visitor_id is None and stranger.key != visitor.key
    assert stranger.token != token
    assert _rows() == (1, 1)


def test_a_token_expires_after_its_age_and_every_use_renews_it(app, frozen):
    app.config["HALO_WIDGET_TOKEN_MAX_AGE"] = 30 * 24 * 3600
    visitor, token = chat.open_visitor(None)
    frozen(frozen.start + 29 * DAY)
    renewed = chat.open_session(token)
    assert renewed.visitor_id == visitor.id and renewed.token != token
    frozen(frozen.start + 31 * DAY)
    assert chat.open_session(token).visitor_id is None  # the first token is too old now
    again = chat.open_session(renewed.token)  # the renewed one, two days old, is good
    assert again.visitor_id == visitor.id
    frozen(frozen.start + 31 * DAY + 30 * DAY + timedelta(seconds=1))
    gone = chat.open_session(again.token)
    assert gone.fresh and gone.visitor_id is None and gone.key != visitor.key


def test_the_token_age_is_configurable(app, frozen):
    app.config["HALO_WIDGET_TOKEN_MAX_AGE"] = 60
    visitor, token = chat.open_visitor(None)
    frozen(frozen.start + timedelta(seconds=60))
    assert chat.open_session(token).visitor_id == visitor.id
    frozen(frozen.start + timedelta(seconds=61))
    assert chat.open_session(token).visitor_id is None


def test_a_token_from_before_tokens_had_a_time_opens_only_a_recent_visitor(app, frozen):
    app.config["HALO_WIDGET_TOKEN_MAX_AGE"] = 30 * 24 * 3600
    visitor, _ = chat.open_visitor(None)
    old = URLSafeSerializer("test-secret", salt=tokens.LEGACY_SALT).dumps({"v": visitor.key})
    frozen(frozen.start + 29 * DAY)  # last seen 29 days ago
    opened = chat.open_session(old)
    assert opened.visitor_id == visitor.id and tokens.read(opened.token).legacy is False
    frozen(frozen.start + 31 * DAY)
    assert chat.open_session(old).visitor_id is None


def test_a_blocked_visitor_opens_nothing(frozen):
    visitor, token = chat.open_visitor(None)
    visitor.blocked_at = frozen.start
    db.session.commit()
    with pytest.raises(chat.Blocked):
        chat.open_session(token)
    with pytest.raises(chat.Blocked):
        chat.store_visitor(visitor.key)


def test_user_hash_is_an_hmac_of_the_email():
    good = _hash("ann@example.com")
    assert not chat.valid_user_hash("ann@example.com", good)  # no secret configured
    set_setting("widget_identity_secret", "s3cret")
    assert chat.valid_user_hash("ann@example.com", good)
    assert chat.valid_user_hash("ann@example.com", good.upper())
    assert not chat.valid_user_hash("bob@example.com", good)
    for bad in (None, "", 17, ["x"]):
        assert not chat.valid_user_hash("ann@example.com", bad)


def test_identify_refuses_bad_emails_and_bad_hashes():
    visitor, _ = chat.open_visitor(None)
    for email in ("", "no-at-sign", "a@" + "b" * 253, None, 17):  # 255 characters
        with pytest.raises(ValidationError, match="valid email"):
            chat.identify_visitor(visitor.id, email)
    with pytest.raises(Forbidden):  # a hash that does not match is refused even when not enforced
        chat.identify_visitor(visitor.id, "ann@example.com", user_hash="deadbeef")
    set_setting("widget_identity_enforce", True)
    with pytest.raises(Forbidden):
        chat.identify_visitor(visitor.id, "ann@example.com")
    own = db.session.get(Customer, visitor.customer_id)
    assert (own.email, own.claimed_email) == (None, None)


def test_checking_an_identity_writes_nothing():
    identity = chat.check_identity(" Ann@Example.com ", "Ann", {"plan": "pro", "x": [1]})
    assert identity == chat.Identity("ann@example.com", "Ann", {"plan": "pro"}, False)
    assert _rows() == (0, 0)


def test_an_unverified_email_is_a_claim_and_mail_from_it_files_elsewhere():
    visitor = _chatting()
    chat.identify_visitor(visitor.id, " Real.Owner@example.com ", name="Mallory", traits={"plan": "vip"})
    own = db.session.get(Customer, visitor.customer_id)
    assert (own.email, own.claimed_email, own.name) == (None, "real.owner@example.com", "Mallory")
    assert visitor.identified is False
    # The real owner writes in later: a customer of their own, not the visitor's profile.
    owner = find_or_create_customer("Real.Owner@example.com", "Rita Owner")
    db.session.commit()
    assert owner.id != own.id and owner.email == "real.owner@example.com"
    assert (owner.name, owner.traits) == ("Rita Owner", {})
    assert db.session.get(Ticket, visitor.ticket_id).customer_id == own.id


def test_an_unverified_claim_to_a_known_email_keeps_the_visitors_own_profile():
    known = make_customer(email="vip@example.com", name="Vip")
    visitor = _chatting()
    identified = chat.identify_visitor(visitor.id, " VIP@example.com ", name="Mallory")
    assert identified.customer_id != known.id and identified.identified is False
    own = db.session.get(Customer, identified.customer_id)
    assert (own.name, own.claimed_email, own.email) == ("Mallory", "vip@example.com", None)
    assert "claimed_email" not in own.traits
    assert db.session.get(Customer, known.id).name == "Vip"
    assert db.session.get(Ticket, visitor.ticket_id).customer_id == own.id


def test_a_verified_identify_moves_the_visitor_and_its_conversation_to_the_customer():
    set_setting("widget_identity_secret", "s3cret")
    known = make_customer(email="ann@example.com", name="Ann", traits={"plan": "free", "company": "Acme"})
    visitor = _chatting()
    traits = {"plan": "pro", "language": "de", "nested": {"x": 1}, "k" * 80: True}
    identified = chat.identify_visitor(visitor.id, "Ann@Example.com", name="Ann B", traits=traits,
                                       user_hash=_hash("ann@example.com"))
    assert identified.customer_id == known.id and identified.identified is True
    assert db.session.get(Ticket, identified.ticket_id).customer_id == known.id
    ann = db.session.get(Customer, known.id)
    assert (ann.name, ann.language) == ("Ann B", "de")
    assert ann.traits == {"plan": "pro", "company": "Acme", "k" * 60: True}


def test_a_verified_new_email_makes_the_visitors_profile_that_customer():
    set_setting("widget_identity_secret", "s3cret")
    visitor = _chatting()
    chat.identify_visitor(visitor.id, "guess@example.com")  # a claim first
    chat.identify_visitor(visitor.id, "new@example.com", name="N" * 300, user_hash=_hash("new@example.com"))
    own = db.session.get(Customer, visitor.customer_id)
    assert (own.email, own.claimed_email, own.name) == ("new@example.com", None, "N" * 200)
    assert find_or_create_customer("new@example.com", "").id == own.id  # mail joins it now


def test_a_verified_visitor_verified_as_someone_else_never_renames_the_first():
    set_setting("widget_identity_secret", "s3cret")
    visitor = _chatting()
    chat.identify_visitor(visitor.id, "a@example.com", user_hash=_hash("a@example.com"))
    first = visitor.customer_id
    chat.identify_visitor(visitor.id, "b@example.com", user_hash=_hash("b@example.com"))
    assert db.session.get(Customer, first).email == "a@example.com"
    assert db.session.get(Customer, visitor.customer_id).email == "b@example.com"
    assert db.session.get(Ticket, visitor.ticket_id).customer_id == visitor.customer_id


def test_a_verified_visitor_may_not_claim_another_email_unverified():
    set_setting("widget_identity_secret", "s3cret")
    visitor = _chatting()
    chat.identify_visitor(visitor.id, "a@example.com", user_hash=_hash("a@example.com"))
    with pytest.raises(Forbidden, match="identified already"):
        chat.identify_visitor(visitor.id, "someone@example.com")
    same = chat.identify_visitor(visitor.id, "A@example.com", name="Ann")  # its own address: fine
    customer = db.session.get(Customer, same.customer_id)
    assert (customer.email, customer.claimed_email, customer.name) == ("a@example.com", None, "Ann")
    assert same.identified is True


def test_traits_and_language_are_merged_from_any_identify():
    visitor, _ = chat.open_visitor(None)
    longest = "a@" + "b" * 252  # 254 characters: the most an address may have
    chat.identify_visitor(visitor.id, longest, traits=["not", "a", "dict"])
    own = db.session.get(Customer, visitor.customer_id)
    assert (own.claimed_email, own.name, own.traits) == (longest, "", {})  # no name given: none invented
    chat.identify_visitor(visitor.id, longest, traits={"language": "pt-BR-x-" + "y" * 20, "plan": "pro"})
    assert (own.language, own.traits) == (("pt-BR-x-" + "y" * 20)[:16], {"plan": "pro"})


def test_connections_are_counted_and_never_below_zero(frozen):
    visitor, _ = chat.open_visitor(None)
    chat.visitor_connected(visitor.id, +1)
    chat.visitor_connected(visitor.id, +1, now=frozen.start.replace(hour=10))
    assert (visitor.connections, visitor.last_seen_at) == (2, frozen.start.replace(hour=10))
    for _ in range(3):
        chat.visitor_connected(visitor.id, -1)
    assert visitor.connections == 0 and visitor.last_seen_at == frozen.start


def test_a_new_visitor_is_stamped_with_the_time_given(frozen):
    at = frozen.start + timedelta(minutes=7)  # given, not the clock's
    visitor, _ = chat.open_visitor(None, now=at)
    assert (visitor.created_at, visitor.last_seen_at, visitor.customer.created_at) == (at, at, at)
