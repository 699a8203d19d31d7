"""Routing rules for one parsed inbound email: noise, loops, threading, new tickets."""
from datetime import datetime

from flask import current_app

from halo.models import Ticket
from halo.services.access import inboxes
from halo.services.email import outbound as email_outbound
from halo.services.email import spam as email_spam
from halo.services.email import threads as email_threading
from halo.services.tickets import conversation
from halo.services.tickets.merge import resolve_ticket
from halo.services.tickets.status import apply_status

# Kept and listed for admins (Settings > Emails > Could not process), never a ticket.
IGNORED = {"auto_reply", "bounce", "own", "duplicate"}
RELEASED = "released"  # an admin said a held auto-reply is a real message
LOOP_HEADER = "X-Halo-Loop"


def noise(inbound, parsed, now: datetime) -> str | None:
    """'own', 'bounce' or 'auto_reply' for mail that must never make or wake a ticket."""
    loop = (parsed.loop or "").lower()  # read by the one parse; no second header parse
    if loop and loop == current_app.config["HALO_DOMAIN"].lower():
        return "own"
    if email_outbound.own_message_ids([parsed.message_id]):
        return "own"
    if parsed.is_bounce:
        if parsed.bounced_message_id:
            email_outbound.mark_bounced(parsed.bounced_message_id, parsed.reply_text or parsed.subject, now)
        return "bounce"
    if parsed.auto_reply and inbound.outcome != RELEASED:
        return "auto_reply"
    return None


def thread(inbound, parsed, sender: str, now: datetime) -> tuple[Ticket, str, bool]:
    """(ticket, reason, is_spam): the token, then headers from a participant, else a new ticket."""
    addresses = [a["address"] for a in parsed.to + parsed.cc] + list(inbound.envelope_to or [])
    ticket_id = email_threading.ticket_from_token(addresses)
    ticket = resolve_ticket(ticket_id)  # a merged ticket's token leads to its target
    if ticket is not None:
        return ticket, "reply_token", False
    ids = email_threading.header_ids(parsed.in_reply_to, parsed.references)
    ticket, why = email_threading.ticket_from_headers(ids, sender)
    if ticket is not None:
        return ticket, why, False
    return _new_ticket(parsed, sender, now, "new" if why is None else "new_not_participant",
                       addresses)


def _new_ticket(parsed, sender: str, now: datetime, reason: str,
                addresses=()) -> tuple[Ticket, str, bool]:
    # Every lookup before the first new row: a SELECT after one would flush it alone (each
    # flush runs the counters', stamps' and webhooks' hooks), not with the rest of the mail.
    inbox_id = inboxes.inbox_for_email(addresses)
    why = email_spam.spam_reason(parsed)
    customer = email_threading.find_or_create_customer(sender, parsed.from_name)
    ticket = conversation.start_ticket(customer, "email", "", now,
                                       subject=parsed.subject or "(no subject)", inbox_id=inbox_id)
    if why:
        event = apply_status(ticket, "spam", None, None, now, reason=f"spam detection: {why}")
        event.created_at = now
    return ticket, reason, bool(why)
