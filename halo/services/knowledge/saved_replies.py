"""Saved replies: the team's snippets, with customer, agent and ticket fields filled in.

Filling is a tiny regex substitution over a fixed set of names, never a template
engine: a snippet is text written by users, and Jinja or str.format on it would let
"{ticket.__class__...}" reach into Python objects.
"""
import re

from flask_babel import gettext
from sqlalchemy import func, select

from halo import clock
from halo.extensions import db
from halo.models import SavedReply, Ticket, User
from halo.services.access import roles
from halo.services.errors import NotFound, ValidationError

FIELD = re.compile(r"\{\s*([a-z_]+(?:\.[A-Za-z0-9_-]+){1,2})\s*\}")
FIELDS = ("customer.name", "customer.first_name", "customer.email", "agent.name",
          "agent.first_name", "ticket.id", "ticket.subject", "customer.traits.<trait>")
MAX_TITLE, MAX_BODY = 120, 20_000


def list_replies() -> list[SavedReply]:
    """Every saved reply, by title."""
    return list(db.session.scalars(select(SavedReply).order_by(func.lower(SavedReply.title))))


def get_reply(reply_id: int) -> SavedReply:
    """One saved reply, or NotFound."""
    reply = db.session.get(SavedReply, reply_id)
    if reply is None:
        raise NotFound(gettext("That saved reply does not exist."))
    return reply


def _clean(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        raise ValidationError(gettext("A saved reply needs a title and some text."))
    if len(title) > MAX_TITLE or len(body) > MAX_BODY:
        raise ValidationError(gettext("That saved reply is too long."))
    return title, body


def save_reply(title: str, body: str, author_id: int | None, reply_id: int | None = None) -> SavedReply:
    """Create a saved reply, or update reply_id; titles are unique (case-insensitive)."""
    roles.require(author_id, "work")
    title, body = _clean(title, body)
    clash = db.session.scalar(select(SavedReply).where(func.lower(SavedReply.title) == title.lower()))
    if clash is not None and clash.id != reply_id:
        raise ValidationError(gettext("A saved reply called “%(title)s” already exists.", title=title))
    reply = db.session.get(SavedReply, reply_id) if reply_id else SavedReply(created_by_id=author_id)
    if reply is None:
        raise NotFound(gettext("That saved reply does not exist."))
    reply.title, reply.body, reply.updated_at = title, body, clock.now()
    db.session.add(reply)
    db.session.commit()
    return reply


def delete_reply(reply_id: int, actor_id: int | None = None) -> None:
    """Remove a saved reply."""
    roles.require(actor_id, "work")
    reply = db.session.get(SavedReply, reply_id)
    if reply is None:
        raise NotFound(gettext("That saved reply does not exist."))
    db.session.delete(reply)
    db.session.commit()


def _values(ticket: Ticket, agent: User) -> dict[str, str]:
    customer = ticket.customer
    name = customer.name or ""
    values = {"customer.name": name or "there", "customer.first_name": (name.split() or ["there"])[0],
              "customer.email": customer.email or "", "agent.name": agent.name,
              "agent.first_name": (agent.name.split() or [""])[0],
              "ticket.id": str(ticket.id), "ticket.subject": ticket.subject or ""}
    for key, value in (customer.traits or {}).items():
        values[f"customer.traits.{key}"] = str(value)
    return values


def fill(body: str, ticket: Ticket, agent: User) -> str:
    """body with known {fields} replaced; unknown ones stay as written, so a typo shows."""
    values = _values(ticket, agent)
    return FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def filled_for(ticket_id: int, agent_id: int) -> list[dict]:
    """Every saved reply filled in for this ticket and agent (the composer's menu)."""
    ticket, agent = db.session.get(Ticket, ticket_id), db.session.get(User, agent_id)
    if ticket is None or agent is None:
        raise NotFound(gettext("That ticket does not exist."))
    return [{"id": r.id, "title": r.title, "text": fill(r.body, ticket, agent)} for r in list_replies()]
