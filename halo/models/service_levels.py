"""Service levels: the business hours an inbox keeps, SLA policies and each ticket's clocks."""
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
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


class SlaPolicy(db.Model):
    """Targets for a kind of ticket; the first active policy (by position) that matches applies.
    A condition left empty matches every ticket."""
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    first_response_minutes: Mapped[int | None]
    next_response_minutes: Mapped[int | None]
    resolution_minutes: Mapped[int | None]
    # Conditions: the Priority status, a channel, an inbox, a customer trait (key = value).
    priority_only: Mapped[bool] = mapped_column(default=False)
    channel: Mapped[str | None] = mapped_column(String(10))
    inbox_id: Mapped[int | None] = mapped_column(ForeignKey("inbox.id", ondelete="CASCADE"))
    trait_key: Mapped[str | None] = mapped_column(String(64))
    trait_value: Mapped[str | None] = mapped_column(String(200))
    # A tag the ticket carries (deleting the tag deletes the policy, as deleting its inbox does).
    tag_id: Mapped[int | None] = mapped_column(ForeignKey("tag.id", ondelete="CASCADE"))
    # On a breach: set the ticket to Priority as well as telling the assignee.
    escalate: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class TicketSla(db.Model):
    """A ticket's clocks as last computed (the inbox sorts by due_at; the ticket page
    computes afresh). thread_rev is the ticket's thread revision they were computed at."""
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policy.id", ondelete="SET NULL"))
    due_at: Mapped[datetime | None]
    due_clock: Mapped[str | None] = mapped_column(String(20))
    # Unused since 0031_sla_alarms (breaches are read off the thread's sla_breach lines).
    breach_due_at: Mapped[datetime | None]
    # The next thing the minute's check must do for this ticket: warn that a clock is about
    # to run out, or record its breach (alarm_kind "warning" | "breach", for alarm_clock).
    alarm_at: Mapped[datetime | None]
    alarm_kind: Mapped[str | None] = mapped_column(String(10))
    alarm_clock: Mapped[str | None] = mapped_column(String(20))
    # The clock cycles ("first_response@<start>") already warned of, as JSON.
    warned: Mapped[list | None] = mapped_column(JSON)
    thread_rev: Mapped[int] = mapped_column(BigInteger, default=0)
    computed_at: Mapped[datetime] = mapped_column(default=clock.now)

    # The inbox's sort by due time and its keyset cursor read this index in order.
    __table_args__ = (Index("ix_ticket_sla_due", "due_at", "ticket_id"),
                      Index("ix_ticket_sla_alarm", "alarm_at"))
