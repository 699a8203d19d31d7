"""What an outbound reply looks like: threading headers, sender, subject, text and HTML."""
import html
import re
import secrets
from email import policy

from flask import current_app
from flask_mail import Message as MailMessage
from sqlalchemy import select

from halo.extensions import db
from halo.mail.recipients import format_address_list
from halo.models import (
    InboundEmail,
    Inbox,
    Message,
    OutboundEmail,
    SenderAddress,
    Ticket,
    User,
)
from halo.services.email import attachments as email_attachments
from halo.services.email.participants import participants
from halo.services.email.threads import reply_address
from halo.services.settings import DEFAULTS, get_setting

# Registered here too, so the email settings never depend on another module's edit.
DEFAULTS.setdefault("email_reply_from", "default")
DEFAULTS.setdefault("email_signature", "")

MAX_REFERENCES = 10
_PREFIX = re.compile(r"^\s*((re|aw|sv|fwd?|wg|tr)\s*(\[\d+\])?\s*:\s*)+", re.I)


def one_line(value: str, limit: int = 300) -> str:
    """Collapse CR, LF and other control characters: nothing can start a new header."""
    return re.sub(r"[\x00-\x1f\x7f]+", " ", value or "").strip()[:limit]


def reply_subject(subject: str) -> str:
    """'Re: ' once, before the thread's subject without its old Re:/Fwd: prefixes."""
    base = _PREFIX.sub("", one_line(subject)) or "Your request"
    return one_line("Re: " + base)


def thread_ids(ticket_id: int, before_id: int) -> tuple[str | None, list[str]]:
    """(In-Reply-To, References): the customer's last message and the bounded chain."""
    rows = db.session.execute(
        select(Message.email_message_id, Message.kind).where(
            Message.ticket_id == ticket_id, Message.email_message_id.is_not(None),
            Message.id < before_id).order_by(Message.created_at, Message.id)).all()
    chain = [mid for mid, _ in rows]
    customer = [mid for mid, kind in rows if kind == "customer"]
    parent = customer[-1] if customer else (chain[-1] if chain else None)
    # RFC 5322 3.6.4 keeps the first id; the rest are the latest ones.
    refs = chain if len(chain) <= MAX_REFERENCES else chain[:1] + chain[-(MAX_REFERENCES - 1):]
    return parent, refs


def new_message_id(message_id: int) -> str:
    """A globally unique Message-ID on Halo's domain (without angle brackets)."""
    return f"halo.{message_id}.{secrets.token_hex(8)}@{current_app.config['HALO_DOMAIN']}"


def resolve_sender(ticket: Ticket, author_id: int | None) -> tuple[str, str]:
    """(address, name) following Settings > Emails: inbound address, teammate, else the
    sender of the ticket's inbox (Settings > Inboxes), else the default."""
    verified = {s.email.lower(): s for s in db.session.scalars(
        select(SenderAddress).where(SenderAddress.verified_at.is_not(None)))}
    mode = get_setting("email_reply_from")
    author = db.session.get(User, author_id) if author_id else None
    if mode == "teammate" and author and author.email.lower() in verified:
        return author.email.lower(), author.name
    if mode == "inbound":
        for address in _addresses_written_to(ticket.id):
            if address.lower() in verified:
                s = verified[address.lower()]
                return s.email, s.name
    inbox = db.session.get(Inbox, ticket.inbox_id) if ticket.inbox_id else None
    if inbox is not None and inbox.sender_address is not None and inbox.sender_address.verified_at:
        return inbox.sender_address.email, inbox.sender_address.name  # the ticket's inbox's own
    default = next((s for s in verified.values() if s.is_default), None)
    if default:
        return default.email, default.name
    fallback = current_app.config.get("MAIL_DEFAULT_SENDER")
    if isinstance(fallback, (tuple, list)):
        return fallback[1], fallback[0]
    return fallback or f"support@{current_app.config['HALO_DOMAIN']}", ""


def _addresses_written_to(ticket_id: int) -> list[str]:
    rows = db.session.scalars(
        select(InboundEmail.envelope_to).join(Message, Message.inbound_id == InboundEmail.id)
        .where(Message.ticket_id == ticket_id).order_by(Message.id.desc()).limit(5))
    return [a for row in rows for a in (row or [])]


class StructuredMessage(MailMessage):
    """Flask-Mail's message whose From/To/Cc are built from (name, address) pairs by
    halo.mail.recipients, and whose envelope recipients are the bare addresses: no display
    name, however written or long, can add a recipient."""

    def __init__(self, *args, sender: tuple[str, str], **kwargs):
        super().__init__(*args, sender=sender, **kwargs)
        self.sender_pair = sender  # Flask-Mail keeps it only as "name <address>" text

    def _message(self):
        msg = super()._message()
        # Stored folded and never refolded: the standard library's refolding of an address
        # header re-encodes decoded display names so that one can become a recipient.
        msg.policy = policy.SMTP.clone(refold_source="none")
        del msg["From"], msg["To"], msg["Cc"]
        msg.set_raw("From", format_address_list([self.sender_pair], "From"))
        msg.set_raw("To", format_address_list(self.recipients, "To"))
        if self.cc:
            msg.set_raw("Cc", format_address_list(self.cc, "Cc"))
        return msg

    @property
    def send_to(self) -> set[str]:
        return {address for _, address in [*self.recipients, *(self.cc or []), *(self.bcc or [])]}


def plan(message: Message, ticket: Ticket) -> OutboundEmail:
    """The send record of an agent reply: every header fixed before the first attempt."""
    parent, refs = thread_ids(ticket.id, message.id)
    address, name = resolve_sender(ticket, message.author_id)
    customer = (ticket.customer.email or "").lower()
    cc = [[p.name, p.address] for p in participants(ticket.id) if p.address != customer]
    return OutboundEmail(
        message_id=message.id, state="queued", rfc_message_id=new_message_id(message.id),
        in_reply_to=parent, references=" ".join(refs), to_address=ticket.customer.email,
        cc=cc, from_address=address, from_name=one_line(name, 200), reply_to=reply_address(ticket.id),
        subject=reply_subject(ticket.subject))


def build(out: OutboundEmail, message: Message, customer_name: str) -> MailMessage:
    """The Flask-Mail message: text and HTML parts, signature (the inbox's, else the
    workspace's), threading headers, the files the teammate attached."""
    inbox = db.session.scalar(select(Inbox).join(Ticket, Ticket.inbox_id == Inbox.id)
                              .where(Ticket.id == message.ticket_id))
    signature = ((inbox.signature if inbox is not None else "") or get_setting("email_signature") or "").strip()
    text = message.body_text + (f"\n\n-- \n{signature}" if signature else "")
    body_html = "<div>" + html.escape(message.body_text).replace("\n", "<br>\n") + "</div>"
    if signature:
        body_html += '\n<div class="signature">-- <br>' + html.escape(signature).replace("\n", "<br>\n") + "</div>"
    headers = {"X-Halo-Loop": current_app.config["HALO_DOMAIN"]}
    if out.in_reply_to:
        headers["In-Reply-To"] = f"<{out.in_reply_to}>"
    if out.references:
        # One id a line: ten ids of up to 255 characters would pass the 998 a line allows.
        headers["References"] = "\n ".join(f"<{r}>" for r in out.references.split())
    cc = [(one_line(name, 200), address) for name, address in out.cc or []]
    mail = StructuredMessage(subject=one_line(out.subject), recipients=[(one_line(customer_name, 200), out.to_address)],
                             cc=cc, body=text, html=body_html, sender=(out.from_name, out.from_address),
                             reply_to=out.reply_to, extra_headers=headers)
    mail.msgId = f"<{out.rfc_message_id}>"
    for row in message.attachments:  # a teammate's files, as parts of their own
        mail.attach(filename=row.filename, content_type=row.content_type,
                    data=email_attachments.read_kept(row), disposition="attachment")
    return mail
