"""Settings > Emails: sender addresses and their verification, reply-from, signature,
trusted senders, IMAP mailboxes."""
import re
from datetime import datetime

from flask import current_app
from flask_babel import gettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from halo import clock
from halo.extensions import db
from halo.i18n import N_
from halo.models import Mailbox, SenderAddress, TrustedSender
from halo.queue import enqueue
from halo.services import netguard
from halo.services.email import sealed
from halo.services.errors import NotFound, ValidationError
from halo.services.settings import get_setting, set_setting

REPLY_FROM = {"inbound": N_("The address the customer wrote to"),
              "teammate": N_("The replying teammate's address"),
              "default": N_("The workspace default address")}
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
_DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")
VERIFY_MAX_AGE = 7 * 86400


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="halo-sender-verify")


def clean_email(value: str) -> str:
    """A lower-cased address, or ValidationError."""
    value = (value or "").strip().lower()
    if not _EMAIL.match(value) or len(value) > 254:
        raise ValidationError(gettext("Enter a valid email address."))
    return value


def email_settings() -> dict:
    """Everything the Email Settings page shows."""
    return {"senders": list(db.session.scalars(select(SenderAddress).order_by(SenderAddress.email))),
            "reply_from": get_setting("email_reply_from"), "reply_from_choices": REPLY_FROM,
            "signature": get_setting("email_signature")}


def add_sender(email: str, name: str, base_url: str) -> SenderAddress:
    """Add a sender address and mail it a confirmation link."""
    email = clean_email(email)
    if db.session.scalar(select(SenderAddress).where(SenderAddress.email == email)):
        raise ValidationError(gettext("%(email)s is already a sender address.", email=email))
    sender = SenderAddress(email=email, name=(name or "").strip()[:200], verify_sent_at=clock.now())
    db.session.add(sender)
    db.session.commit()
    enqueue("halo.jobs.email.send_verification", sender.id, base_url)
    return sender


def verification_token(sender_id: int) -> str:
    """The signed token of a sender's confirmation link."""
    sender = db.session.get(SenderAddress, sender_id)
    return _serializer().dumps({"id": sender.id, "email": sender.email})


def verify_sender(token: str, now: datetime | None = None) -> SenderAddress:
    """Confirm a sender address from its link's token."""
    try:
        data = _serializer().loads(token, max_age=VERIFY_MAX_AGE)
    except SignatureExpired:
        raise ValidationError(gettext("This confirmation link has expired; send a new one from Settings.")) from None
    except BadSignature:
        raise ValidationError(gettext("This confirmation link is not valid.")) from None
    sender = db.session.get(SenderAddress, data.get("id"))
    if sender is None or sender.email != data.get("email"):
        raise NotFound(gettext("This sender address no longer exists."))
    if sender.verified_at is None:
        sender.verified_at = now or clock.now()
        if not db.session.scalar(select(SenderAddress.id).where(SenderAddress.is_default)):
            sender.is_default = True
        db.session.commit()
    return sender


def set_default_sender(sender_id: int) -> None:
    """Make a verified sender the workspace default."""
    sender = db.session.get(SenderAddress, sender_id)
    if sender is None:
        raise NotFound(gettext("That sender address does not exist."))
    if sender.verified_at is None:
        raise ValidationError(gettext("Confirm this address (its link was emailed) before using it."))
    for other in db.session.scalars(select(SenderAddress).where(SenderAddress.is_default)):
        other.is_default = False
    sender.is_default = True
    db.session.commit()


def remove_sender(sender_id: int) -> None:
    """Delete a sender address."""
    sender = db.session.get(SenderAddress, sender_id)
    if sender is None:
        raise NotFound(gettext("That sender address does not exist."))
    db.session.delete(sender)
    db.session.commit()


def resend_verification(sender_id: int, base_url: str) -> None:
    """Send a new confirmation link."""
    sender = db.session.get(SenderAddress, sender_id)
    if sender is None:
        raise NotFound(gettext("That sender address does not exist."))
    sender.verify_sent_at = clock.now()
    db.session.commit()
    enqueue("halo.jobs.email.send_verification", sender.id, base_url)


def save_preferences(reply_from: str, signature: str) -> None:
    """Store reply-from behaviour and the signature."""
    if reply_from not in REPLY_FROM:
        raise ValidationError(gettext("Choose where replies are sent from."))
    if len(signature or "") > 2000:
        raise ValidationError(gettext("The signature is too long (2000 characters at most)."))
    set_setting("email_reply_from", reply_from)
    set_setting("email_signature", (signature or "").strip())


def trusted_senders() -> list[TrustedSender]:
    """All trusted addresses and domains."""
    return list(db.session.scalars(select(TrustedSender).order_by(TrustedSender.pattern)))


def add_trusted(pattern: str) -> TrustedSender:
    """Trust an address (a@b.com) or a domain (b.com, @b.com)."""
    pattern = (pattern or "").strip().lower().lstrip("@")
    if not (_EMAIL.match(pattern) or _DOMAIN.match(pattern)):
        raise ValidationError(gettext("Enter an email address or a domain such as example.com."))
    if db.session.scalar(select(TrustedSender).where(TrustedSender.pattern == pattern)):
        raise ValidationError(gettext("%(pattern)s is already trusted.", pattern=pattern))
    row = TrustedSender(pattern=pattern)
    db.session.add(row)
    db.session.commit()
    return row


def remove_trusted(trusted_id: int) -> None:
    """Stop trusting an address or domain."""
    row = db.session.get(TrustedSender, trusted_id)
    if row is None:
        raise NotFound(gettext("That entry does not exist."))
    db.session.delete(row)
    db.session.commit()


def mailboxes() -> list[Mailbox]:
    """All IMAP mailboxes."""
    return list(db.session.scalars(select(Mailbox).order_by(Mailbox.id)))


# Sealed (services/sealed.py), 256 characters fill ~450 of the column's 500.
MAX_MAILBOX_PASSWORD = 256


def add_mailbox(host: str, port: str, use_ssl: bool, username: str, password: str,
                folder: str) -> Mailbox:
    """Add an IMAP mailbox to poll; its password is stored sealed."""
    host, username, folder = (host or "").strip(), (username or "").strip(), (folder or "INBOX").strip()
    if not host or not username or not password:
        raise ValidationError(gettext("Host, user name and password are required."))
    if len(password) > MAX_MAILBOX_PASSWORD:
        raise ValidationError(gettext("Keep the password under %(MAX_MAILBOX_PASSWORD)s characters.", MAX_MAILBOX_PASSWORD=MAX_MAILBOX_PASSWORD))
    try:
        port_n = int(port or (993 if use_ssl else 143))
    except ValueError:
        raise ValidationError(gettext("The port must be a number.")) from None
    if not 0 < port_n < 65536:
        raise ValidationError(gettext("The port must be between 1 and 65535."))
    try:
        netguard.check_host(host, port_n)
    except netguard.Refused as exc:
        raise ValidationError(str(exc)) from None
    box = Mailbox(host=host[:255], port=port_n, use_ssl=use_ssl, username=username[:254],
                  password=sealed.seal(password), folder=folder[:200] or "INBOX")
    db.session.add(box)
    db.session.commit()
    return box


def get_mailbox(mailbox_id: int) -> Mailbox:
    """One IMAP mailbox, or NotFound."""
    box = db.session.get(Mailbox, mailbox_id)
    if box is None:
        raise NotFound(gettext("That mailbox does not exist."))
    return box


def remove_mailbox(mailbox_id: int) -> None:
    """Stop polling a mailbox and forget it."""
    box = db.session.get(Mailbox, mailbox_id)
    if box is None:
        raise NotFound(gettext("That mailbox does not exist."))
    db.session.delete(box)
    db.session.commit()
