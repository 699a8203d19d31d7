"""The email channel: raw inbound mail, attachments, outbound sends, senders, mailboxes."""
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, backref, deferred, mapped_column, relationship

from halo import clock
from halo.extensions import db

INBOUND_STATES = ("pending", "done", "ignored", "failed")
OUTBOUND_STATES = ("queued", "sending", "sent", "failed", "uncertain")


class InboundEmail(db.Model):
    """A message exactly as it arrived, stored before anything reads it."""
    id: Mapped[int] = mapped_column(primary_key=True)
    # "mid:<Message-ID>" or "sha256:<hex of the bytes>" when there is no Message-ID.
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    rfc_message_id: Mapped[str | None] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(10))  # smtp | webhook | imap
    envelope_from: Mapped[str | None] = mapped_column(String(254))
    envelope_to: Mapped[list] = mapped_column(JSON, default=list)
    raw: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    size: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    # What processing decided: ticket | reply | auto_reply | bounce | own | spam
    outcome: Mapped[str | None] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(default=clock.now)
    processed_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_inbound_email_state_received", "state", "received_at"),
                      # A Message-ID seen again with other content: found by this index.
                      Index("ix_inbound_email_rfc_message_id", "rfc_message_id"))


PREVIEW_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


class EmailAttachment(db.Model):
    """A file in the thread, kept in storage under a server-chosen name: one that came with an
    inbound email (inbound_id set), or one a teammate attached to a reply or note (None)."""
    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_email.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(default=0)
    content_id: Mapped[str | None] = mapped_column(String(255))
    inline: Mapped[bool] = mapped_column(default=False)
    # None when the file was over a size limit and only its name was kept.
    storage_name: Mapped[str | None] = mapped_column(String(80))
    # Its place among the message's files (Attachment.index): an admin can fetch a file
    # that was not kept from the stored original by it.
    part_index: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    # Message.attachments: the thread loads them for every item in one query (selectinload).
    message = relationship("Message", backref=backref("attachments", order_by="EmailAttachment.id"))

    @property
    def previewable(self) -> bool:
        """A kept raster image the thread can show (not SVG: an image that can carry script)."""
        return bool(self.storage_name) and self.content_type.lower() in PREVIEW_TYPES

    __table_args__ = (
        Index("ix_email_attachment_inbound_cid", "inbound_id", "content_id"),
        Index("ix_email_attachment_message", "message_id"),
    )


class OutboundEmail(db.Model):
    """Send state of one agent reply by email; the claim on `state` makes a send happen once."""
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("message.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    rfc_message_id: Mapped[str] = mapped_column(String(255), unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(255))
    references: Mapped[str] = mapped_column(Text, default="")
    to_address: Mapped[str] = mapped_column(String(254))
    from_address: Mapped[str] = mapped_column(String(254))
    from_name: Mapped[str] = mapped_column(String(200), default="")
    reply_to: Mapped[str] = mapped_column(String(254))
    # [[name, address], ...]: the people an agent added to the conversation.
    cc: Mapped[list | None] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    __table_args__ = (Index("ix_outbound_email_state_next", "state", "next_attempt_at"),)


class EmailParticipant(db.Model):
    """Someone besides the customer an agent added to a ticket's email conversation: their
    replies thread by headers alone, and the team's replies copy them (Cc)."""
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(254))  # lower-case
    name: Mapped[str] = mapped_column(String(200), default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    __table_args__ = (UniqueConstraint("ticket_id", "address", name="uq_email_participant_ticket_address"),)


class SenderAddress(db.Model):
    """An address Halo may send from, usable once someone clicked its confirmation link."""
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    verified_at: Mapped[datetime | None]
    verify_sent_at: Mapped[datetime | None]
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class TrustedSender(db.Model):
    """An address (a@b.com) or a whole domain (b.com) that skips spam detection."""
    id: Mapped[int] = mapped_column(primary_key=True)
    pattern: Mapped[str] = mapped_column(String(254), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class Mailbox(db.Model):
    """An IMAP mailbox Halo polls, and how far it has read (UIDVALIDITY + last UID)."""
    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(default=993)
    use_ssl: Mapped[bool] = mapped_column(default=True)
    username: Mapped[str] = mapped_column(String(254))
    password: Mapped[str] = mapped_column(String(500))
    folder: Mapped[str] = mapped_column(String(200), default="INBOX")
    enabled: Mapped[bool] = mapped_column(default=True)
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    last_polled_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # The inbox its new mail starts tickets in (None: by address, else the default inbox).
    inbox_id: Mapped[int | None] = mapped_column(ForeignKey("inbox.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
