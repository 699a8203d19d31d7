"""Widget visitors: who a hello is, storing a visitor at its first message, identification
and presence.

A visitor is known only by a signed token holding a random key (tokens.py), and every
query of the chat package starts from the visitor row, so a widget can only ever read or
write its own conversation. A hello writes nothing: a new key lives only in its token
until the visitor's first message stores the visitor and its (anonymous) customer, so a
flood of sockets costs no rows.

Identification: an email the site vouches for with user_hash (HMAC of the email with the
workspace identity secret) is trusted, and the visitor and its conversation join that
customer. An email without it is only a claim: kept on the visitor's own profile as
claimed_email, shown to agents as unverified, never the profile's email, so it never
joins, creates or captures the customer mail from that address files under.
"""
import hashlib
import hmac
from datetime import datetime
from typing import NamedTuple

from flask_babel import gettext
from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError

from halo import clock
from halo.extensions import db
from halo.models import Customer, Visitor
from halo.services import events
from halo.services.chat import tokens
from halo.services.customers import profiles
from halo.services.errors import Forbidden, ValidationError
from halo.services.settings import get_setting


class Blocked(Forbidden):
    """An agent blocked this visitor: its token opens nothing."""


class Opened(NamedTuple):
    """A hello's visitor: its key and fresh token, the stored row once it has written (None
    before its first message), and whether the key is new (no, forged or expired token)."""
    key: str
    token: str
    visitor_id: int | None
    fresh: bool


class Identity(NamedTuple):
    """A checked identify: what to record, and whether the site vouched for the email."""
    email: str
    name: str
    traits: dict
    verified: bool


def open_session(token, now: datetime | None = None) -> Opened:
    """Who a hello's token names; reads only. Raises Blocked for a blocked visitor."""
    now = now or clock.now()
    read = tokens.read(token) if isinstance(token, str) else tokens.TokenKey(None, "missing")
    visitor = find_visitor(read.key) if read.key else None
    if read.legacy and (visitor is None or not tokens.legacy_still_good(visitor.last_seen_at, now)):
        read, visitor = tokens.TokenKey(None, "expired"), None
    if visitor is not None and visitor.blocked_at is not None:
        raise Blocked("This chat is closed.")
    key = read.key or tokens.new_key()
    return Opened(key, tokens.issue(key), visitor.id if visitor else None, read.key is None)


def find_visitor(key: str) -> Visitor | None:
    """The stored visitor of a key, if it has written yet."""
    return db.session.scalar(select(Visitor).where(Visitor.key == key))


def store_visitor(key: str, now: datetime | None = None) -> Visitor:
    """The visitor of key, stored with an anonymous customer if it is not yet (its first
    message); two sockets of one visitor racing here store it once."""
    now = now or clock.now()
    for _ in range(2):
        visitor = find_visitor(key)
        if visitor is not None:
            if visitor.blocked_at is not None:
                raise Blocked("This chat is closed.")
            return visitor
        customer = Customer(name="", traits={}, created_at=now)
        db.session.add(Visitor(key=key, customer=customer, created_at=now, last_seen_at=now))
        try:
            db.session.commit()
        except IntegrityError:  # the other socket stored it first
            db.session.rollback()
    return find_visitor(key)


def open_visitor(token, now: datetime | None = None) -> tuple[Visitor, str]:
    """The token's visitor, stored now if it is not yet: for callers that write at once
    (the socket itself waits for the first message)."""
    now = now or clock.now()
    opened = open_session(token, now)
    visitor = store_visitor(opened.key, now)
    return visitor, opened.token


def get_visitor(visitor_id: int) -> Visitor:
    """The visitor (it exists: the socket stored it)."""
    return db.session.get(Visitor, visitor_id)


def valid_user_hash(email: str, user_hash) -> bool:
    """HMAC-SHA256(email, identity secret), compared in constant time."""
    secret = get_setting("widget_identity_secret")
    if not secret or not user_hash or not isinstance(user_hash, str):
        return False
    expected = hmac.new(secret.encode(), email.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, user_hash.lower())


def check_identity(email, name="", traits=None, user_hash=None) -> Identity:
    """Validate an identify, writing nothing; enforce mode demands the hash, and a hash
    that does not match is always refused."""
    email = email.strip().lower() if isinstance(email, str) else ""
    if not email or "@" not in email or len(email) > 254:
        raise ValidationError(gettext("identify needs a valid email."))
    traits = {str(k)[:60]: v for k, v in traits.items()
              if isinstance(v, (str, int, float, bool))} if isinstance(traits, dict) else {}
    verified = valid_user_hash(email, user_hash)
    if not verified and (get_setting("widget_identity_enforce") or user_hash):
        raise Forbidden(gettext("identify refused: user_hash does not match."))
    return Identity(email, name[:200] if isinstance(name, str) else "", traits, verified)


def identify_visitor(visitor_id: int, email, name="", traits=None, user_hash=None) -> Visitor:
    """Check and record what the site says about its logged-in user."""
    return apply_identity(visitor_id, check_identity(email, name, traits, user_hash))


def apply_identity(visitor_id: int, identity: Identity) -> Visitor:
    """Record a checked identify: a verified email joins (or becomes) its customer; an
    unverified one is a claim on the visitor's own profile."""
    for attempt in range(2):
        visitor = get_visitor(visitor_id)
        owner = _verified_owner(visitor, identity) if identity.verified \
            else _claimant(visitor, identity.email)
        _merge_profile(owner, identity.name, dict(identity.traits))
        _move_visitor(visitor, owner)
        visitor.identified = visitor.identified or identity.verified
        if visitor.ticket_id:
            events.ticket_changed(visitor.ticket_id, "customer", chat=True)
        try:
            db.session.commit()
            return visitor
        except IntegrityError:  # another visitor stored this customer's email first: join it
            db.session.rollback()
    raise ValidationError(gettext("identify collided with another: send it again."))


def _verified_owner(visitor: Visitor, identity: Identity) -> Customer:
    owner = profiles.by_address(identity.email)
    if owner is not None:
        return owner
    own = visitor.customer
    if own.email is None:  # the visitor's anonymous profile becomes the customer
        own.email, own.claimed_email = identity.email, None
        return own
    customer = Customer(email=identity.email, name="", traits={}, created_at=clock.now())
    db.session.add(customer)
    return customer


def _claimant(visitor: Visitor, email: str) -> Customer:
    """The visitor's own profile, holding the claim; a visitor already verified as a
    customer may not claim to be someone else."""
    own = visitor.customer
    if own.email is not None:
        if own.email.lower() == email:
            return own
        raise Forbidden(gettext("identify refused: this visitor is identified already; a different email needs user_hash."))
    own.claimed_email = email
    return own


def _merge_profile(customer: Customer, name: str, traits: dict) -> None:
    if name:
        customer.name = name
    if traits:
        language = traits.pop("language", None)
        if isinstance(language, str) and language.strip():
            customer.language = language.strip()[:16]
        customer.traits = {**(customer.traits or {}), **traits}


def _move_visitor(visitor: Visitor, owner: Customer) -> None:
    """Re-point the visitor (and its open conversation) at the identified customer."""
    if visitor.customer is owner:
        return
    visitor.customer = owner
    if visitor.ticket is not None:
        visitor.ticket.customer = owner


def visitor_connected(visitor_id: int, delta: int, now: datetime | None = None) -> None:
    """Count a socket opening (+1) or closing (-1): online is 'at least one open socket'.
    One UPDATE, so sockets of one visitor opening at once (on any process) all count."""
    counted = Visitor.connections + delta
    db.session.execute(
        update(Visitor).where(Visitor.id == visitor_id)
        .values(connections=case((counted < 0, 0), else_=counted), last_seen_at=now or clock.now())
        .execution_options(synchronize_session=False))
    visitor = get_visitor(visitor_id)
    if visitor is not None:
        db.session.refresh(visitor, ["connections", "last_seen_at"])
        if visitor.ticket_id:
            events.presence_changed(visitor.ticket_id)
    db.session.commit()
