"""Service levels: the business hours an inbox keeps (SLA clocks count only these)."""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from halo import clock
from halo.extensions import db


class BusinessHours(db.Model):
    """A weekly schedule in a time zone, with closed days. inbox_id None: the workspace's
    schedule, used by every inbox without its own; no row at all: open around the clock."""
    id: Mapped[int] = mapped_column(primary_key=True)
    inbox_id: Mapped[int | None] = mapped_column(ForeignKey("inbox.id", ondelete="CASCADE"), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # JSON: seven lists (Monday first) of [start, end] minutes after local midnight.
    week: Mapped[str] = mapped_column(Text, default="[[], [], [], [], [], [], []]")
    # What the widget promises while open: "We usually reply within N hours" (None: says nothing).
    reply_hours: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    holidays = relationship("BusinessHoliday", cascade="all, delete-orphan", order_by="BusinessHoliday.day")


class BusinessHoliday(db.Model):
    """A local date on which the schedule is closed all day."""
    __table_args__ = (UniqueConstraint("business_hours_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    business_hours_id: Mapped[int] = mapped_column(ForeignKey("business_hours.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(120), default="")
