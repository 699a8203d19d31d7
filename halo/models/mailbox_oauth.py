"""How Halo signs in to an IMAP mailbox with OAuth 2.0 (XOAUTH2) instead of a password."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from halo import clock
from halo.extensions import db


class MailboxOAuth(db.Model):
    """The app registration an admin entered, the tokens Halo keeps (sealed), and the one
    sign-in in progress (its state is stored hashed, its PKCE verifier sealed)."""
    __tablename__ = "mailbox_oauth"
    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailbox.id", ondelete="CASCADE"), unique=True)
    provider: Mapped[str] = mapped_column(String(20))  # microsoft | google | custom
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret: Mapped[str] = mapped_column(Text)  # sealed
    tenant: Mapped[str] = mapped_column(String(100), default="")
    authorize_url: Mapped[str] = mapped_column(String(500))
    token_url: Mapped[str] = mapped_column(String(500))
    scope: Mapped[str] = mapped_column(String(500))
    refresh_token: Mapped[str | None] = mapped_column(Text)  # sealed
    access_token: Mapped[str | None] = mapped_column(Text)  # sealed
    expires_at: Mapped[datetime | None]
    signed_in_at: Mapped[datetime | None]
    state_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    code_verifier: Mapped[str | None] = mapped_column(Text)  # sealed
    redirect_uri: Mapped[str | None] = mapped_column(String(500))
    started_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    started_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    mailbox = relationship("Mailbox", backref=backref("oauth", uselist=False, cascade="all, delete-orphan",
                                                      passive_deletes=True))
