"""Segments: a named, saved inbox filter, private to one teammate or shared with the team."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from halo import clock
from halo.extensions import db


class Segment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    # private: only the owner sees it; team: everyone sees it, admins manage it.
    shared: Mapped[bool] = mapped_column(default=False)
    pinned: Mapped[bool] = mapped_column(default=True)
    # The inbox view it narrows and the canonical filter query string (filters.to_query).
    view: Mapped[str] = mapped_column(String(20), default="all")
    query: Mapped[str] = mapped_column(String(2000), default="")
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    owner = relationship("User")

    __table_args__ = (Index("ix_segment_owner_shared", "owner_id", "shared"),)

    @property
    def visibility(self) -> str:
        return "team" if self.shared else "private"
