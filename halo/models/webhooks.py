"""Outgoing webhooks: endpoints admins subscribe, events written in the transaction that
made them (an outbox), each event's delivery to each endpoint; API channels, whose
bridges post customers' messages and receive the team's replies as deliveries."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from halo import clock
from halo.extensions import db


class WebhookEndpoint(db.Model):
    """A URL an admin subscribed to events; signed as Standard Webhooks says, with its secret."""
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    # whsec_..., sealed with SECRET_KEY (services/email/sealed.py): shown to admins, never logged.
    secret_sealed: Mapped[str] = mapped_column(Text)
    events: Mapped[list] = mapped_column(JSON, default=list)  # event types; ["*"] for all
    active: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(300))
    failing_since: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class WebhookEvent(db.Model):
    """Something that happened, written in the transaction that made it happen (an outbox),
    so an event is never sent for a change that was rolled back, nor lost after a commit."""
    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    # Deliveries of one key go out one after another, in id order: "ticket:42", "customer:7".
    order_key: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON)
    # An API channel's reply: the thread message whose delivery state this event's
    # delivery moves (services/integrations/api_channel.py).
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    __table_args__ = (Index("ix_webhook_event_created", "created_at"),)


class WebhookDelivery(db.Model):
    """One event for one endpoint: pending -> sending -> delivered, or failed after retries."""
    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("webhook_event.id", ondelete="CASCADE"))
    order_key: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    response_status: Mapped[int | None]
    latency_ms: Mapped[int | None]
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    delivered_at: Mapped[datetime | None]

    event = relationship("WebhookEvent", lazy="joined")

    __table_args__ = (Index("ix_webhook_delivery_key", "endpoint_id", "order_key", "state", "id"),
                      Index("ix_webhook_delivery_due", "state", "next_attempt_at"),
                      Index("ix_webhook_delivery_log", "endpoint_id", "id"))


class ApiChannel(db.Model):
    """An inbox of kind API: a team's bridge (WhatsApp, SMS, a game client) posts its
    customers' messages to the inbox, and gets the team's replies on its endpoint."""
    id: Mapped[int] = mapped_column(primary_key=True)
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inbox.id", ondelete="CASCADE"), unique=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    inbox = relationship("Inbox")
    endpoint = relationship("WebhookEndpoint")


class ApiContact(db.Model):
    """A bridge's own contact id, and the customer and open conversation it stands for."""
    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("api_channel.id", ondelete="CASCADE"))
    contact_id: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    customer = relationship("Customer")

    __table_args__ = (UniqueConstraint("channel_id", "contact_id", name="uq_api_contact_channel_contact"),)
