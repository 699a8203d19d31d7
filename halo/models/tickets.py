"""Customers, tickets and their threads (messages, notes and events in one timeline)."""
import secrets
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from halo import clock
from halo.extensions import db
from halo.i18n import N_

# "merged" is terminal: the ticket lives on inside another one (merged_into_id).
STATUSES = ("open", "priority", "in_progress", "snoozed", "resolved", "spam", "merged")
CHANNELS = ("email", "chat", "api")  # api: a bridge's channel (services/integrations/api_channel.py)
CHANNEL_LABELS = {"email": N_("Email"), "chat": N_("Chat"), "api": N_("API")}
# A bucket groups statuses the inbox lists together, so each view is one index range.
BUCKETS = {"open": "open", "priority": "open", "in_progress": "open",
           "snoozed": "snoozed", "resolved": "resolved", "spam": "spam", "merged": "merged"}
STATUS_LABELS = {"open": N_("Open"), "priority": N_("Priority"), "in_progress": N_("In Progress"),
                 "snoozed": N_("Snoozed"), "resolved": N_("Resolved"), "spam": N_("Spam"),
                 "merged": N_("Merged")}


DELIVERY_LABELS = {"queued": N_("Queued"), "sending": N_("Sending"), "sent": N_("Sent"), "failed": N_("Failed"),
                   "uncertain": N_("Uncertain"), "waiting": N_("Waiting for the visitor"),
                   "delivered": N_("Delivered")}


def _random_start() -> int:
    return secrets.randbits(52)


class Customer(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    # An address a chat visitor gave without the site's signature: shown to agents as
    # unverified, never used to file mail or join a customer (services/chat/visitors.py).
    claimed_email: Mapped[str | None] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str | None] = mapped_column(String(16))
    traits: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    @property
    def display_name(self) -> str:
        return self.name or self.email or f"Visitor #{self.id}"


class Ticket(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(300), default="")
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    # Who may see it (services/access): set from the channel it came in by, or moved by an
    # agent; a ticket flushed without one lands in the default inbox.
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inbox.id"))
    channel: Mapped[str] = mapped_column(String(10), default="email")
    status: Mapped[str] = mapped_column(String(12), default="open")
    bucket: Mapped[str] = mapped_column(String(10), default="open")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    snoozed_until: Mapped[datetime | None]
    snoozed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket.id", ondelete="SET NULL"), index=True)
    merged_at: Mapped[datetime | None]
    preview: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    last_activity_at: Mapped[datetime] = mapped_column(default=clock.now)
    # Live chat ownership: a teammate took over, so the AI must not answer.
    ai_paused: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Moves on with every write to the thread (services/stamps.py), so a rendered thread can
    # be kept until it changes. It starts at random, so a reused id never meets an old copy.
    thread_rev: Mapped[int] = mapped_column(BigInteger, default=_random_start, server_default="0")

    customer = relationship("Customer", lazy="joined", innerjoin=True)
    inbox = relationship("Inbox")
    assignee = relationship("User", foreign_keys=[assignee_id], lazy="joined")
    snoozed_by = relationship("User", foreign_keys=[snoozed_by_id])

    __table_args__ = (
        Index("ix_ticket_bucket_activity", "bucket", "last_activity_at", "id"),
        # The views of an agent who sees some inboxes only: one index range per inbox.
        Index("ix_ticket_inbox_bucket_activity", "inbox_id", "bucket", "last_activity_at", "id"),
        Index("ix_ticket_inbox_assignee_bucket_activity",
              "inbox_id", "assignee_id", "bucket", "last_activity_at", "id"),
        Index("ix_ticket_inbox_status_activity", "inbox_id", "status", "last_activity_at", "id"),
        Index("ix_ticket_inbox_activity", "inbox_id", "last_activity_at", "id"),
        Index("ix_ticket_assignee_bucket_activity",
              "assignee_id", "bucket", "last_activity_at", "id"),
        Index("ix_ticket_status_activity", "status", "last_activity_at", "id"),
        Index("ix_ticket_activity", "last_activity_at", "id"),
        Index("ix_ticket_customer_activity", "customer_id", "last_activity_at"),
        # Snoozes by end time, with what the sidebar's count of ended snoozes groups and
        # narrows by: that count reads this index alone, never ticket rows (migration 0030).
        Index("ix_ticket_snooze_due", "status", "snoozed_until", "assignee_id", "inbox_id"),
        Index("ix_ticket_created", "created_at"),  # reports: new tickets in a period (migration 0025)
    )

    @validates("status")
    def _keep_bucket(self, _key, value):
        if value not in STATUSES:
            raise ValueError(f"unknown status {value!r}")
        self.bucket = BUCKETS[value]
        return value

    @property
    def status_label(self) -> str:
        return gettext(STATUS_LABELS[self.status])

    def snooze_expired(self, now: datetime) -> bool:
        """A snoozed ticket whose time has come counts as open again."""
        return self.status == "snoozed" and (
            self.snoozed_until is None or self.snoozed_until <= now)


class Message(db.Model):
    """One line of a ticket's thread: a message, an internal note or an event."""
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    # customer | agent | ai | note | event
    kind: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str | None] = mapped_column(String(10))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str | None] = mapped_column(Text)
    # Outbound delivery (None for inbound, notes and events): email queued | sending | sent
    # | failed | uncertain; chat queued | waiting (no widget has it yet) | delivered | failed.
    delivery: Mapped[str | None] = mapped_column(String(10))
    delivery_error: Mapped[str | None] = mapped_column(Text)
    event_type: Mapped[str | None] = mapped_column(String(40))
    event_data: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    # Merge: the ticket a message first belonged to, shown beside it in the target's thread.
    origin_ticket_id: Mapped[int | None]
    # Translation: language is the one body_text is written in; an agent's reply sent in
    # translation keeps what the agent wrote in original_text; a customer's message gets
    # a translation for the team in translation (in translation_lang).
    language: Mapped[str | None] = mapped_column(String(16))
    original_text: Mapped[str | None] = mapped_column(Text)
    translation: Mapped[str | None] = mapped_column(Text)
    translation_lang: Mapped[str | None] = mapped_column(String(16))
    # Email channel: the RFC Message-ID (without <>), the sender, why it joined this
    # ticket (reply_token | headers | new ...), and the raw message it came from.
    email_message_id: Mapped[str | None] = mapped_column(String(255), index=True)
    email_from: Mapped[str | None] = mapped_column(String(254))
    email_from_name: Mapped[str | None] = mapped_column(String(200))
    # What the agent must know about how an email arrived: damaged parts, files left in
    # the original, a reused Message-ID (a list of sentences).
    email_notes: Mapped[list | None] = mapped_column(JSON)
    thread_reason: Mapped[str | None] = mapped_column(String(40))
    inbound_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_email.id", ondelete="SET NULL"))
    # Chat: the widget's own id for a visitor message (sends are idempotent by it).
    client_id: Mapped[str | None] = mapped_column(String(64))
    # Chat: the alias the customer sees instead of the agent.
    alias_id: Mapped[int | None] = mapped_column(ForeignKey("alias_user.id", ondelete="SET NULL"))

    author = relationship("User", lazy="joined")
    alias = relationship("AliasUser", lazy="joined")

    __table_args__ = (Index("ix_message_ticket_created", "ticket_id", "created_at", "id"),
                      # Reports: the tickets that moved in a period (migration 0025).
                      Index("ix_message_created_ticket", "created_at", "ticket_id"),
                      Index("ix_message_inbound_id", "inbound_id", unique=True),
                      UniqueConstraint("ticket_id", "client_id", name="uq_message_ticket_client"))


class Mention(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    read_at: Mapped[datetime | None]
    # The ticket's last_activity_at, copied while the mention is unread (services/inbox/
    # mention_order.py), so the Mentions view reads a page of them in the inbox's order.
    ticket_activity_at: Mapped[datetime | None]

    message = relationship("Message")

    __table_args__ = (Index("ix_mention_user_unread", "user_id", "read_at", "ticket_id"),
                      # unread only (PostgreSQL orders by an index past an equality, not past IS NULL)
                      Index("ix_mention_user_unread_activity", "user_id", "ticket_activity_at", "ticket_id",
                            sqlite_where=text("read_at IS NULL"), postgresql_where=text("read_at IS NULL")),
                      # a ticket's mentions: merge, and the mention counter on a move or delete
                      Index("ix_mention_ticket", "ticket_id", "user_id"))


class MentionCounter(db.Model):
    """How many tickets of each inbox hold an unread mention of each teammate; kept in step
    on every flush (services/inbox/mention_counts.py) and by the read of a ticket's mentions.
    The sidebar sums a teammate's rows of the inboxes they see: never a mention row."""
    user_id: Mapped[int] = mapped_column(primary_key=True)
    inbox_id: Mapped[int] = mapped_column(primary_key=True)  # 0: a ticket in no inbox
    n: Mapped[int] = mapped_column(default=0)


class TicketCounter(db.Model):
    """How many tickets sit in each (status, assignee, inbox); kept in step on every flush.
    An agent's sidebar sums the rows of the inboxes they see."""
    status: Mapped[str] = mapped_column(String(12), primary_key=True)
    # 0 stands for unassigned: NULL cannot take part in a primary key.
    assignee_key: Mapped[int] = mapped_column(primary_key=True)
    inbox_id: Mapped[int] = mapped_column(primary_key=True, default=0, server_default="0")
    n: Mapped[int] = mapped_column(default=0)


class SnoozeCounter(db.Model):
    """How many snoozed tickets end at each time, per (assignee, inbox); kept in step on
    every flush like TicketCounter. The sidebar counts ended snoozes the sweeper has not yet
    woken by summing the rows whose end has passed: one row when many end at once, never a
    read of ticket rows. A row whose count reaches 0 is deleted in the same flush."""
    ends_at: Mapped[datetime] = mapped_column(primary_key=True)
    assignee_key: Mapped[int] = mapped_column(primary_key=True)  # 0: unassigned
    inbox_id: Mapped[int] = mapped_column(primary_key=True, default=0, server_default="0")
    n: Mapped[int] = mapped_column(default=0)


class ChangeStamp(db.Model):
    """A number per scope that moves on in the same transaction as any write to what the
    scope covers (services/stamps.py): "inbox" (what inbox rows show), "team", "segments"."""
    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0)


class Tag(db.Model):
    """A label a ticket can carry ("refund", "vip"); names are unique, case-insensitively."""
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    name_key: Mapped[str] = mapped_column(String(40), unique=True)  # lower-cased name
    colour: Mapped[str | None] = mapped_column(String(16))  # one of tags.PALETTE; None: grey
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class TicketTag(db.Model):
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_ticket_tag_tag", "tag_id", "ticket_id"),)
