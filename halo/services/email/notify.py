"""Halo's own notification emails (sender confirmation): marked so they never loop back."""
from flask import current_app
from flask_mail import Message as MailMessage

from halo.extensions import db
from halo.models import SenderAddress
from halo.services.email.compose import one_line
from halo.services.email.outbound import transmit
from halo.services.email.settings import verification_token


def send_verification(sender_id: int, base_url: str) -> None:
    """Mail the confirmation link of a sender address (raises so the queue retries)."""
    sender = db.session.get(SenderAddress, sender_id)
    if sender is None or sender.verified_at is not None:
        return
    link = base_url.rstrip("/") + "/settings/emails/verify/" + verification_token(sender_id)
    domain = current_app.config["HALO_DOMAIN"]
    from_address = current_app.config.get("MAIL_DEFAULT_SENDER") or f"halo@{domain}"
    message = MailMessage(
        subject="Confirm this address for sending from Halo", recipients=[sender.email],
        sender=from_address,
        body=("Someone added this address as a sender address in Halo.\n\n"
              f"Confirm it by opening this link (valid for 7 days):\n{link}\n\n"
              "If you did not expect this, ignore this email.\n"),
        extra_headers={"Auto-Submitted": "auto-generated", "X-Halo-Loop": one_line(domain)})
    transmit(message, message.sender if isinstance(message.sender, str) else message.sender[1])
