"""Which ticket an inbound email belongs to, and the reply-token addresses that route it.

Order (issue 3): a valid reply token in To/Cc/envelope, then In-Reply-To/References
matching a Message-ID Halo sent or received when the sender is the customer or a
participant an agent added (issue 12), else new.
"""
import base64
import hashlib
import hmac
import re

from flask import current_app
from sqlalchemy import select

from halo.extensions import db
from halo.models import Customer, Message, Ticket
from halo.services.customers import profiles
from halo.services.email import participants as email_participants

# Local part "t<ticket id>.<52 base32 chars>" fits RFC 5321's 64-octet limit for ids
# below 10^10 and survives MTAs that lower-case addresses. It may also sit after a
# "+" (support+t42.xxx@gmail.com) for teams whose address lives at a mail provider.
_TOKEN = re.compile(r"(?:^|\+)t(\d{1,10})\.([a-z2-7]{52})@", re.I)
MAX_HEADER_IDS = 30


def _signature(ticket_id: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, b"halo-reply-token:%d" % ticket_id, hashlib.sha256).digest()
    return base64.b32encode(digest).decode().rstrip("=").lower()


def reply_address(ticket_id: int) -> str:
    """The unique Reply-To address of a ticket, carrying a full-length HMAC."""
    return f"t{ticket_id}.{_signature(ticket_id)}@{current_app.config['HALO_DOMAIN']}"


def ticket_from_token(addresses) -> int | None:
    """The ticket id of the first address holding a valid token (constant-time check)."""
    for address in addresses:
        match = _TOKEN.search(address or "")
        if match and hmac.compare_digest(match.group(2).lower(), _signature(int(match.group(1)))):
            return int(match.group(1))
    return None


def ticket_from_headers(ids: list[str], sender: str) -> tuple[Ticket | None, str | None]:
    """The ticket whose known Message-ID the headers name, if the sender takes part in it."""
    ids = [i for i in ids if i][:MAX_HEADER_IDS]
    if not ids:
        return None, None
    rows = db.session.execute(
        select(Message.email_message_id, Message.ticket_id)
        .where(Message.email_message_id.in_(ids))).all()
    by_id = {mid: tid for mid, tid in rows}
    for mid in ids:
        if mid in by_id:
            ticket = db.session.get(Ticket, by_id[mid])
            if ticket is not None and is_participant(ticket, sender):
                return ticket, "headers"
            return None, "headers_not_participant"
    return None, None


def is_participant(ticket: Ticket, sender: str) -> bool:
    """The ticket's customer or someone an agent added (see services.email.participants)."""
    return email_participants.is_participant(ticket, sender)


def header_ids(in_reply_to: str | None, references: list[str]) -> list[str]:
    """In-Reply-To first, then References newest first: the likeliest parent leads."""
    ids = [in_reply_to] if in_reply_to else []
    return ids + [r for r in reversed(references or []) if r != in_reply_to]


def find_or_create_customer(address: str, name: str) -> Customer:
    """The customer with this email address (case-insensitive), or another of theirs, created when new (no flush)."""
    address = address.strip().lower()
    customer = profiles.by_address(address)
    if customer is None:
        customer = Customer(email=address, name=(name or "").strip()[:200], traits={})
        db.session.add(customer)
    elif not customer.name and name:
        customer.name = name.strip()[:200]
    return customer
