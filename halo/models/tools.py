"""Notifications for teammates and the team's saved replies."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from halo import clock
from halo.extensions import db


class Notification(db.Model):
    """Something a teammate should look at (a snooze ended on their ticket)."""
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    read_at: Mapped[datetime | None]
    # By email (services/notifications/mail.py): None until the mail job has looked at it,
    # then "sent", "skip" (switched off, or read in the app first) or "failed".
    mailed: Mapped[str | None] = mapped_column(String(8))

    ticket = relationship("Ticket")

    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at", "created_at"),
                      Index("ix_notification_mailed", "mailed", "created_at"))


class SavedReply(db.Model):
    """A reusable snippet; {customer.first_name}-style fields are filled in when inserted."""
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120), unique=True)
    body: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
