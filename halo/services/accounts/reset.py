"""Password reset by email, and from the server's command line.

The link carries a signed token (itsdangerous, salted for this purpose) naming the
teammate and a fingerprint of their current password hash: it expires after
HALO_RESET_MAX_AGE seconds, and is spent by use, since a new password changes the
fingerprint (so does any other password change). Asking never tells whether an address
has an account: the answer is the same, and only a real, active account gets mail.
Links are built on HALO_BASE_URL, never on the Host header a request brought (that
would let anyone have Halo mail a link to their own site).
"""
import hashlib
from datetime import datetime

from flask import current_app
from flask_babel import force_locale, gettext
from flask_mail import Message as MailMessage
from itsdangerous import (
    BadSignature,
    SignatureExpired,
    TimestampSigner,
    URLSafeTimedSerializer,
)

from halo import clock, i18n
from halo.extensions import db
from halo.models import User
from halo.queue import enqueue
from halo.services import audit
from halo.services.accounts.throttle import reset_mail_allowed
from halo.services.accounts.users import (
    end_sessions,
    find_by_email,
    get_user,
    validate_password,
)
from halo.services.email.compose import one_line
from halo.services.email.outbound import transmit
from halo.services.errors import ValidationError

SALT = "halo password reset v1"
DEFAULT_MAX_AGE = 3600
INVALID = "This reset link has expired or was already used. Ask for a new one."


class _ClockSigner(TimestampSigner):
    """Timestamps from halo.clock, so tests move time instead of waiting."""

    def get_timestamp(self) -> int:
        return int((clock.now() - datetime(1970, 1, 1)).total_seconds())


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT, signer=_ClockSigner)


def max_age() -> int:
    """How long a link lasts, in seconds."""
    return int(current_app.config.get("HALO_RESET_MAX_AGE") or DEFAULT_MAX_AGE)


def base_url() -> str:
    """Where links in Halo's emails point: HALO_BASE_URL, else the address make run serves on."""
    configured = current_app.config.get("HALO_BASE_URL")
    if configured:
        return configured.rstrip("/")
    return f"http://{current_app.config['HALO_HOST']}:{current_app.config['HALO_PORT']}"


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(b"reset\0" + password_hash.encode()).hexdigest()[:20]


def request_reset(email: str, address: str) -> None:
    """Mail a reset link if email belongs to an active teammate and has not had too many
    lately; the caller answers the same whatever happened here."""
    email = (email or "").strip()
    user = find_by_email(email)
    found = user is not None and user.active
    allowed, noted = reset_mail_allowed(email, address)
    if noted:  # a block is one line, however often the form is sent
        audit.record(user.id if found else None, "password_reset_requested", email,
                     {} if allowed else {"throttled": True}, actor_email="" if found else email)
    if found and allowed:
        enqueue("halo.jobs.email.send_password_reset", user.id)


def make_token(user_id: int) -> str:
    """A reset token for the teammate's current password."""
    user = get_user(user_id)
    return _signer().dumps({"u": user.id, "p": _fingerprint(user.password_hash)})


def check_token(token: str) -> User:
    """The teammate a token may reset, or ValidationError (expired, used, forged)."""
    try:
        data = _signer().loads(token or "", max_age=max_age())
    except (SignatureExpired, BadSignature):
        raise ValidationError(INVALID) from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("p") != _fingerprint(user.password_hash):
        raise ValidationError(INVALID)
    return user


def reset_password(token: str, password: str, confirm: str | None = None) -> User:
    """Set a new password through a link; every sign-in of the teammate ends."""
    user = check_token(token)
    if confirm is not None and password != confirm:
        raise ValidationError(gettext("The two passwords differ."))
    validate_password(password)
    user.set_password(password)
    end_sessions(user.id)
    audit.record(user.id, "password_reset", user.email, {"via": "email"}, commit=False)
    db.session.commit()
    return user


def set_password_on_server(email: str, password: str) -> User:
    """`flask halo reset-password EMAIL`: for a lost admin password, typed on the server."""
    user = find_by_email(email)
    if user is None:
        raise ValidationError(gettext("No teammate has the address %(email)s.", email=email))
    validate_password(password)
    user.set_password(password)
    end_sessions(user.id)
    audit.set_origin("server (command line)")
    audit.record(user.id, "password_reset", user.email, {"via": "command line"}, commit=False)
    db.session.commit()
    return user


def send_reset_email(user_id: int) -> None:
    """Mail the link (the job; raises so the queue retries)."""
    user = get_user(user_id)
    if not user.active:
        return
    link = f"{base_url()}/reset/{make_token(user.id)}"
    minutes = max_age() // 60
    domain = current_app.config["HALO_DOMAIN"]
    sender = current_app.config.get("MAIL_DEFAULT_SENDER") or f"halo@{domain}"
    with force_locale(i18n.for_user(user)):  # the teammate's language
        subject = gettext("Reset your Halo password")
        body = (gettext("Hi %(name)s,", name=user.name) + "\n\n"
                + gettext("Someone asked to reset the password of your Halo account.") + "\n\n"
                + gettext("Choose a new password here (the link works once, for %(minutes)s minutes):",
                          minutes=minutes) + f"\n{link}\n\n"
                + gettext("If it was not you, ignore this email: your password stays as it is.") + "\n")
    message = MailMessage(
        subject=subject, recipients=[user.email], sender=sender, body=body,
        extra_headers={"Auto-Submitted": "auto-generated", "X-Halo-Loop": one_line(domain)})
    transmit(message, message.sender if isinstance(message.sender, str) else message.sender[1])
