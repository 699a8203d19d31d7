"""Live chat: widget visitors and the alias identities agents can reply as."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from halo import clock
from halo.extensions import db


class Visitor(db.Model):
    """A browser holding a signed visitor token; it only ever sees its own conversation."""
    id: Mapped[int] = mapped_column(primary_key=True)
    # Random and unguessable; the signed token carries it, so ids are never enumerable.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket.id", ondelete="SET NULL"), index=True)
    # Open sockets across all processes; > 0 means the visitor is online.
    connections: Mapped[int] = mapped_column(default=0)
    identified: Mapped[bool] = mapped_column(default=False)
    # Blocked by an agent: its token is refused, its sockets closed, its hellos turned away.
    blocked_at: Mapped[datetime | None]
    blocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    last_seen_at: Mapped[datetime] = mapped_column(default=clock.now)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    customer = relationship("Customer")
    ticket = relationship("Ticket")

    @property
    def online(self) -> bool:
        return self.connections > 0


class AliasUser(db.Model):
    """A name and avatar the customer sees instead of the agent's (Settings > Team)."""
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # File name inside instance/avatars/, chosen by Halo, never by the uploader.
    avatar_file: Mapped[str | None] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    @property
    def initials(self) -> str:
        return "".join(p[0] for p in self.name.split()[:2]).upper() or "?"
