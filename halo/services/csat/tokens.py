"""Survey links: a signed token (itsdangerous, its own salt) naming the ticket, stamped by
halo.clock and honoured for HALO_CSAT_MAX_AGE seconds (30 days by default)."""
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from halo.services.chat.tokens import ClockSigner
from halo.services.errors import ValidationError

SALT = "halo csat v1"
DEFAULT_MAX_AGE = 30 * 24 * 3600
MAX_LENGTH = 300  # a real token is ~60 characters
EXPIRED = "This survey link has expired. Thank you all the same: you can reply to our email instead."
INVALID = "This survey link is not valid. Please use the link exactly as it came in our email."


class BadLink(ValidationError):
    """A tampered, truncated or expired survey link (expired says which)."""

    def __init__(self, message: str, expired: bool = False):
        super().__init__(message)
        self.expired = expired


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT, signer=ClockSigner)


def max_age() -> int:
    return int(current_app.config.get("HALO_CSAT_MAX_AGE") or DEFAULT_MAX_AGE)


def make_token(ticket_id: int) -> str:
    """The token of a ticket's survey links."""
    return _serializer().dumps({"t": ticket_id})


def ticket_of(token: str) -> int:
    """The ticket a token names, or BadLink."""
    if not token or len(token) > MAX_LENGTH:
        raise BadLink(INVALID)
    try:
        data = _serializer().loads(token, max_age=max_age())
    except SignatureExpired:
        raise BadLink(EXPIRED, expired=True) from None
    except BadSignature:
        raise BadLink(INVALID) from None
    ticket_id = data.get("t") if isinstance(data, dict) else None
    if not isinstance(ticket_id, int) or isinstance(ticket_id, bool):
        raise BadLink(INVALID)
    return ticket_id
