"""Integrations: API tokens and the Idempotency-Key record of API writes."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from halo import clock
from halo.extensions import db

TOKEN_KINDS = ("personal", "workspace")
TOKEN_SCOPES = ("read", "write", "admin")


class ApiToken(db.Model):
    """A bearer token for /api/v1, stored as its SHA-256 (a leaked table opens nothing).

    personal: acts as user_id, with that teammate's inboxes and role;
    workspace: a bot token an admin made for the whole workspace (user_id is None)."""
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(80))
    scope: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The first characters of the secret, shown in Settings so a token can be recognised.
    prefix: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user = relationship("User", foreign_keys=[user_id])
    created_by = relationship("User", foreign_keys=[created_by_id])


class IdempotencyKey(db.Model):
    """One Idempotency-Key a token sent with a POST: what the request was (its fingerprint)
    and, once answered, the answer, replayed to a retry of the same request."""
    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_token.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None]
    response_body: Mapped[str | None] = mapped_column(Text)
    response_headers: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    __table_args__ = (UniqueConstraint("token_id", "key", name="uq_idempotency_key_token_key"),
                      Index("ix_idempotency_key_created", "created_at"))

