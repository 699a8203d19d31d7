"""Widget visitors: their signed tokens, identification and presence.

A visitor is known only by a signed token holding a random key, and every query of the
chat package starts from the visitor row, so a widget can only ever read or write its
own conversation.
"""
import hashlib
import hmac
import secrets
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from halo import clock
from halo.extensions import db
from halo.models import Customer, Visitor
from halo.services import events
from halo.services.errors import Forbidden, ValidationError
from halo.services.settings import get_setting


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="halo-visitor")


def visitor_token(visitor: Visitor) -> str:
    """The token the widget keeps in localStorage."""
    return _signer().dumps({"v": visitor.key})


def open_visitor(token: str | None, now: datetime | None = None) -> tuple[Visitor, str]:
    """The token's visitor, or a new anonymous one when the token is missing, forged or not
    a token at all (a hello's token is whatever JSON the client sent)."""
    now = now or clock.now()
    visitor = None
    if token and isinstance(token, str):
        try:
            key = _signer().loads(token).get("v")
        except (BadSignature, AttributeError):
            key = None
        if isinstance(key, str):
            visitor = db.session.scalar(select(Visitor).where(Visitor.key == key))
    if visitor is None:
        customer = Customer(name="", traits={}, created_at=now)
        visitor = Visitor(key=secrets.token_urlsafe(32), customer=customer, created_at=now,
                          last_seen_at=now)
        db.session.add(visitor)
        db.session.commit()
    return visitor, visitor_token(visitor)


def get_visitor(visitor_id: int) -> Visitor:
    """The visitor (it exists: the socket opened it)."""
    return db.session.get(Visitor, visitor_id)


def valid_user_hash(email: str, user_hash: str | None) -> bool:
    """HMAC-SHA256(email, identity secret), compared in constant time."""
    secret = get_setting("widget_identity_secret")
    if not secret or not user_hash:
        return False
    expected = hmac.new(secret.encode(), email.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, str(user_hash).lower())


def identify_visitor(visitor_id: int, email: str, name: str = "", traits: dict | None = None,
                     user_hash: str | None = None) -> Visitor:
    """Attach what the site knows about its logged-in user; enforce mode demands the hash."""
    email = (email or "").strip().lower()
    if not email or "@" not in email or len(email) > 254:
        raise ValidationError("identify needs a valid email.")
    traits = {str(k)[:60]: v for k, v in (traits or {}).items()
              if isinstance(v, (str, int, float, bool))} if isinstance(traits, dict) else {}
    verified = valid_user_hash(email, user_hash)
    if not verified and (get_setting("widget_identity_enforce") or user_hash):
        raise Forbidden("identify refused: user_hash does not match.")
    visitor = get_visitor(visitor_id)
    owner = db.session.scalar(select(Customer).where(Customer.email == email))
    if owner is None:
        owner = visitor.customer
        owner.email = email
    elif owner.id != visitor.customer_id and not verified:
        # Someone may claim any email without a hash; they keep their own profile.
        owner = visitor.customer
        traits["claimed_email"] = email
    _merge_profile(owner, str(name or "")[:200], traits)
    _move_visitor(visitor, owner)
    visitor.identified = verified
    if visitor.ticket_id:
        events.ticket_changed(visitor.ticket_id, "customer", chat=True)
    db.session.commit()
    return visitor


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
    if visitor.customer_id == owner.id:
        return
    visitor.customer = owner
    if visitor.ticket is not None:
        visitor.ticket.customer_id = owner.id


def visitor_connected(visitor_id: int, delta: int, now: datetime | None = None) -> None:
    """Count a socket opening (+1) or closing (-1): online is 'at least one open socket'."""
    visitor = get_visitor(visitor_id)
    visitor.connections = max(0, visitor.connections + delta)
    visitor.last_seen_at = now or clock.now()
    if visitor.ticket_id:
        events.presence_changed(visitor.ticket_id)
    db.session.commit()
