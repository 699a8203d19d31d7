"""A customer's privacy requests: a copy of their data (export) and erasure.

Erasure anonymises rather than deletes, so reports stay whole: the customer's tickets
and every line of their threads remain as rows (counts, times, statuses, who answered),
but names, addresses, subjects, bodies, translations, drafts, stored originals and
attachments are gone, replaced by a placeholder. Both are for admins only and each
writes a line to the audit log (which names the customer by id, never by address).
"""
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import String, cast, delete, false, literal, or_, select, update

from halo import clock
from halo.extensions import db
from halo.models import (
    AiDraft,
    ApiContact,
    CsatSurvey,
    Customer,
    CustomerAddress,
    CustomerMerge,
    CustomerNote,
    EmailAttachment,
    EmailParticipant,
    InboundEmail,
    Message,
    Notification,
    OutboundEmail,
    PilotMessage,
    Ticket,
    Visitor,
)
from halo.services import audit
from halo.services.access import roles
from halo.services.customers.listing import addresses, get_customer
from halo.services.errors import ValidationError
from halo.services.inbox import stamps
from halo.storage import get_storage

PLACEHOLDER = "[erased]"
ERASED_NAME = "Erased customer"
ATTACHMENTS = "attachments"  # the storage area of services/email/attachments.py
# Keys of an event line's data that may quote the customer (a preview, a comment, a name).
CONTENT_KEYS = frozenset({"preview", "text", "comment", "customer", "subject", "body", "name", "email",
                          "address", "from_name", "question", "answer", "title", "summary"})


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_customer(user_id: int | None, customer_id: int) -> dict:
    """Everything Halo holds about the customer, as JSON-ready data (profile, notes,
    tickets with their customer-facing messages and attachment lists); audited."""
    roles.require(user_id, "admin")
    customer = get_customer(user_id, customer_id) if user_id else db.session.get(Customer, customer_id)
    tickets = db.session.scalars(select(Ticket).where(Ticket.customer_id == customer.id)
                                 .order_by(Ticket.id).execution_options(halo_unscoped=True)).all()
    ids = [t.id for t in tickets]
    messages = db.session.scalars(select(Message).where(Message.ticket_id.in_(ids), Message.kind != "event")
                                  .order_by(Message.ticket_id, Message.created_at, Message.id)).all() if ids else []
    files = db.session.scalars(select(EmailAttachment).where(EmailAttachment.message_id.in_([m.id for m in messages]))
                               .order_by(EmailAttachment.id)).all() if messages else []
    files_of: dict[int, list] = {}
    for f in files:
        files_of.setdefault(f.message_id, []).append({"filename": f.filename, "content_type": f.content_type,
                                                       "size": f.size, "kept": bool(f.storage_name)})
    thread: dict[int, list] = {}
    for m in messages:
        thread.setdefault(m.ticket_id, []).append({
            "id": m.id, "kind": m.kind, "channel": m.channel, "created_at": _iso(m.created_at),
            "from": m.email_from, "from_name": m.email_from_name, "body": m.body_text,
            "attachments": files_of.get(m.id, [])})
    data = {
        "exported_at": _iso(clock.now()),
        "profile": {"id": customer.id, "name": customer.name, "email": customer.email,
                    "other_addresses": addresses(customer.id), "unverified_email": customer.claimed_email,
                    "language": customer.language, "traits": customer.traits or {},
                    "created_at": _iso(customer.created_at)},
        "notes": [{"body": n.body, "created_at": _iso(n.created_at)} for n in db.session.scalars(
            select(CustomerNote).where(CustomerNote.customer_id == customer.id).order_by(CustomerNote.id))],
        "tickets": [{"id": t.id, "subject": t.subject, "status": t.status, "channel": t.channel,
                     "created_at": _iso(t.created_at), "last_activity_at": _iso(t.last_activity_at),
                     "messages": thread.get(t.id, [])} for t in tickets],
    }
    audit.record(user_id, "customer_exported", f"customer #{customer.id}",
                 {"tickets": len(tickets), "messages": len(messages)})
    return data


def confirmation_word(customer: Customer) -> str:
    """What the admin types to confirm an erasure: the customer's email, else ERASE."""
    return customer.email or "ERASE"


def erase_customer(user_id: int | None, customer_id: int, typed: str) -> dict:
    """Anonymise the customer and their threads (rows stay, content goes); returns the counts."""
    roles.require(user_id, "admin")
    customer = get_customer(user_id, customer_id) if user_id else db.session.get(Customer, customer_id)
    if (typed or "").strip().lower() != confirmation_word(customer).lower():
        raise ValidationError(gettext("Type %(confirmation_word)s to confirm the erasure.", confirmation_word=confirmation_word(customer)))
    ids = list(db.session.scalars(select(Ticket.id).where(Ticket.customer_id == customer.id)
                                  .execution_options(halo_unscoped=True)))
    counts = {"tickets": len(ids), "messages": 0, "attachments": 0}
    if ids:
        counts.update(_erase_threads(ids))
    for model in (CustomerAddress, CustomerNote, ApiContact, Visitor):
        db.session.execute(delete(model).where(model.customer_id == customer.id))
    # A merge record keeps a profile as it was: no Undo can bring the erased data back.
    db.session.execute(delete(CustomerMerge).where(or_(CustomerMerge.target_id == customer.id,
                                                       CustomerMerge.source_id == customer.id)))
    customer.name, customer.email, customer.claimed_email = ERASED_NAME, None, None
    customer.language, customer.traits = None, {}
    stamps.bump(db.session, "inbox")
    audit.record(user_id, "customer_erased", f"customer #{customer.id}", counts, commit=False)
    db.session.commit()
    return counts


def _erase_threads(ids: list[int]) -> dict:
    """Blank the content of the tickets ids: subjects, bodies, originals, files, drafts."""
    counts = {"messages": 0, "attachments": 0}
    message_ids = list(db.session.scalars(select(Message.id).where(Message.ticket_id.in_(ids))))
    files = db.session.execute(select(EmailAttachment.id, EmailAttachment.storage_name).where(or_(
        EmailAttachment.message_id.in_(message_ids) if message_ids else false(),
        EmailAttachment.inbound_id.in_(select(InboundEmail.id).where(InboundEmail.ticket_id.in_(ids)))))).all()
    storage = get_storage()
    for _, name in files:
        if name:
            storage.delete(ATTACHMENTS, name)
    if files:
        db.session.execute(delete(EmailAttachment).where(EmailAttachment.id.in_([i for i, _ in files])))
    counts["attachments"] = len(files)
    db.session.execute(update(Ticket).where(Ticket.id.in_(ids)).values(
        subject=PLACEHOLDER, preview=PLACEHOLDER, thread_rev=Ticket.thread_rev + 1)
        .execution_options(synchronize_session=False))
    counts["messages"] = db.session.execute(
        update(Message).where(Message.ticket_id.in_(ids), Message.kind != "event").values(
            body_text=PLACEHOLDER, body_html=None, original_text=None, translation=None,
            email_from=None, email_from_name=None, email_notes=None, email_message_id=None)
        .execution_options(synchronize_session=False)).rowcount
    _erase_event_lines(ids)
    inbound = select(Message.inbound_id).where(Message.ticket_id.in_(ids), Message.inbound_id.is_not(None))
    db.session.execute(update(InboundEmail).where(or_(InboundEmail.ticket_id.in_(ids), InboundEmail.id.in_(inbound)))
                       .values(raw=b"", size=0, envelope_from=None, envelope_to=[], error=None,
                               rfc_message_id=None,
                               dedupe_key=literal("erased:").concat(cast(InboundEmail.id, String)))
                       .execution_options(synchronize_session=False))
    if message_ids:
        db.session.execute(update(OutboundEmail).where(OutboundEmail.message_id.in_(message_ids)).values(
            to_address=PLACEHOLDER, subject=PLACEHOLDER, cc=[], last_error=None)
            .execution_options(synchronize_session=False))
    db.session.execute(delete(EmailParticipant).where(EmailParticipant.ticket_id.in_(ids)))
    db.session.execute(update(AiDraft).where(AiDraft.ticket_id.in_(ids)).values(text=PLACEHOLDER, sources=[])
                       .execution_options(synchronize_session=False))
    db.session.execute(update(PilotMessage).where(PilotMessage.ticket_id.in_(ids)).values(body=PLACEHOLDER)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(CsatSurvey).where(CsatSurvey.ticket_id.in_(ids)).values(comment="")
                       .execution_options(synchronize_session=False))
    db.session.execute(update(Notification).where(Notification.ticket_id.in_(ids)).values(text=PLACEHOLDER)
                       .execution_options(synchronize_session=False))
    return counts


def _scrub(value):
    """value with every string under a content key replaced by the placeholder."""
    if isinstance(value, dict):
        return {k: PLACEHOLDER if k in CONTENT_KEYS and isinstance(v, str) and v else _scrub(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def _erase_event_lines(ids: list[int]) -> None:
    """Event lines stay (the thread's history, the reports' counts) without quoted content."""
    for event in db.session.scalars(select(Message).where(Message.ticket_id.in_(ids), Message.kind == "event")):
        if event.event_data:
            event.event_data = _scrub(event.event_data)
        if event.body_text:
            event.body_text = PLACEHOLDER
