"""Who sees what: inboxes (a group of channels with their own settings) and teams."""
from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from halo import clock
from halo.extensions import db

team_member = Table(
    "team_member", db.metadata,
    Column("team_id", ForeignKey("team.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
)

team_inbox = Table(
    "team_inbox", db.metadata,
    Column("team_id", ForeignKey("team.id", ondelete="CASCADE"), primary_key=True),
    Column("inbox_id", ForeignKey("inbox.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Inbox(db.Model):
    """Where a ticket lives: the channels that feed it (email addresses, IMAP mailboxes, the
    chat widget) and how it answers (sender address, signature, auto-assign). An inbox given
    to no team is open to every agent; once given to teams, only their members (and admins)
    see its tickets."""
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    # The address replies from this inbox are sent from (None: the workspace's default sender).
    sender_address_id: Mapped[int | None] = mapped_column(
        ForeignKey("sender_address.id", ondelete="SET NULL"))
    signature: Mapped[str] = mapped_column(Text, default="")
    # None: follow the workspace's "auto-assign on reply"; True/False: this inbox's own rule.
    auto_assign: Mapped[bool | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    sender_address = relationship("SenderAddress")
    teams = relationship("Team", secondary=team_inbox, back_populates="inboxes", order_by="Team.name")
    addresses = relationship("InboxAddress", cascade="all, delete-orphan", order_by="InboxAddress.address")


class InboxAddress(db.Model):
    """An email address whose new mail starts tickets in an inbox (To, Cc or the envelope)."""
    id: Mapped[int] = mapped_column(primary_key=True)
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inbox.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(254), unique=True)  # lower-cased


class Team(db.Model):
    """Teammates who work the same inboxes."""
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    members = relationship("User", secondary=team_member, order_by="User.name")
    inboxes = relationship("Inbox", secondary=team_inbox, back_populates="teams", order_by="Inbox.name")
