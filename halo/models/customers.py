"""What Halo keeps about a customer beyond the profile: more addresses, teammates' notes,
and the record of each merge of two customers (what moved, so it can be undone)."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from halo import clock
from halo.extensions import db


class CustomerAddress(db.Model):
    """Another email address of a customer (one a merge brought); mail from it files under them."""
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # lower-case
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class CustomerNote(db.Model):
    """A teammate's short internal note about a customer (never shown to the customer)."""
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    author = relationship("User")

    __table_args__ = (Index("ix_customer_note_customer", "customer_id", "created_at"),)


class CustomerMerge(db.Model):
    """One customer folded into another: the source's profile as it was, the target's fields
    it changed, and the ids of every row that moved; undone_at once an Undo restored it."""
    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"), index=True)
    source_id: Mapped[int] = mapped_column()  # the source row is deleted; its id comes back on Undo
    source: Mapped[dict] = mapped_column(JSON)
    target_before: Mapped[dict] = mapped_column(JSON)
    moved: Mapped[dict] = mapped_column(JSON)
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    merged_at: Mapped[datetime] = mapped_column(default=clock.now)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    undone_at: Mapped[datetime | None]

    merged_by = relationship("User", foreign_keys=[merged_by_id])


class CustomerImport(db.Model):
    """A CSV import between its preview and its run: the good rows, checked, and what the
    preview found (counts, per-row errors); imported_at and result once it ran."""
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255), default="")
    rows: Mapped[list] = mapped_column(JSON)
    summary: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    imported_at: Mapped[datetime | None]
    result: Mapped[dict | None] = mapped_column(JSON)
