"""The AI assistant: knowledge articles, directive uses, drafts and HaloPilot conversations."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from halo import clock
from halo.extensions import db


class Article(db.Model):
    """A knowledge-base article: markdown source, sanitised HTML, published or draft."""
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    # Rendered once on save (markdown -> nh3 allow-list), so pages never render raw input.
    body_html: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(default=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)

    author = relationship("User")

    __table_args__ = (Index("ix_article_published_updated", "published", "updated_at"),)


class DirectiveUse(db.Model):
    """One use of a directive by the AI: which ticket, for what (draft, pilot, email, chat)."""
    id: Mapped[int] = mapped_column(primary_key=True)
    directive_id: Mapped[int] = mapped_column(ForeignKey("directive.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"))
    purpose: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    __table_args__ = (Index("ix_directive_use_directive", "directive_id", "created_at"),)


class AiDraft(db.Model):
    """A reply draft written by a job and read back by the composer as it grows."""
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    mode: Mapped[str] = mapped_column(String(10))
    # pending | streaming | done | failed
    state: Mapped[str] = mapped_column(String(10), default="pending")
    text: Mapped[str] = mapped_column(Text, default="")
    sources: Mapped[list] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    offline: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)


class PilotMessage(db.Model):
    """One turn of a ticket's HaloPilot conversation (the conversation is the ticket's rows)."""
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    # user | assistant
    role: Mapped[str] = mapped_column(String(10))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str | None] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text, default="")
    # Insertable replies ("Draft a reply", "Generate three possible responses").
    options: Mapped[list] = mapped_column(JSON, default=list)
    sources: Mapped[list] = mapped_column(JSON, default=list)
    # pending | done | failed (user turns are always done)
    state: Mapped[str] = mapped_column(String(10), default="done")
    offline: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    author = relationship("User")

    __table_args__ = (Index("ix_pilot_message_ticket", "ticket_id", "id"),)
