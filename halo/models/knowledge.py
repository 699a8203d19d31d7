"""Knowledge: durable directives the team teaches the AI (Inbox training)."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from halo import clock
from halo.extensions import db


class Directive(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    # Where it applies, derived from the ticket it was written on: {"channel": "email", ...}
    scope: Mapped[dict] = mapped_column(JSON, default=dict)
    source_ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    enabled: Mapped[bool] = mapped_column(default=True)
    # The autonomous email and chat answers use published directives only; one written by
    # an agent without the publish permission waits as a draft until an admin publishes it.
    published: Mapped[bool] = mapped_column(default=True, server_default=true())
    use_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)

    author = relationship("User")
    source_ticket = relationship("Ticket")
