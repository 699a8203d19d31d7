"""Inbox training: durable directives for the AI, scoped from the ticket they came from."""
from datetime import datetime

from flask_babel import gettext

from halo import clock
from halo.extensions import db
from halo.models import Directive, Ticket
from halo.services.access import roles
from halo.services.errors import NotFound, ValidationError

# Customer traits that describe the situation well enough to scope a directive.
SCOPING_TRAITS = ("plan",)


def scope_for(ticket: Ticket) -> dict:
    """The situation a directive written on this ticket applies to."""
    scope = {"channel": ticket.channel}
    traits = ticket.customer.traits or {}
    for trait in SCOPING_TRAITS:
        if traits.get(trait):
            scope[trait] = str(traits[trait])
    if ticket.customer.language:
        scope["language"] = ticket.customer.language
    return scope


def create_directive(body: str, author_id: int, ticket: Ticket,
                     now: datetime | None = None) -> Directive:
    """Save a directive from a ticket (flushed, not committed): published at once when its
    author may publish, else a draft the AI does not use until an admin publishes it."""
    now = now or clock.now()
    directive = Directive(body=body, scope=scope_for(ticket), source_ticket_id=ticket.id,
                          author_id=author_id, created_at=now, updated_at=now,
                          published=author_id is None or roles.user_can(author_id, "publish"))
    db.session.add(directive)
    db.session.flush()
    return directive


def list_directives() -> list[Directive]:
    """All directives, newest first."""
    return db.session.scalars(db.select(Directive).order_by(Directive.id.desc())).all()


def get_directive(directive_id: int) -> Directive:
    """The directive, or NotFound."""
    directive = db.session.get(Directive, directive_id)
    if directive is None:
        raise NotFound(gettext("That directive does not exist."))
    return directive


def update_directive(directive_id: int, body: str, enabled: bool, actor_id: int | None = None,
                     published: bool | None = None) -> Directive:
    """Edit a directive's text, whether the AI may use it and (published) whether it is
    published; what the AI tells customers on its own needs the publish permission."""
    roles.require(actor_id, "publish")
    body = (body or "").strip()
    if not body:
        raise ValidationError(gettext("A directive cannot be empty."))
    directive = get_directive(directive_id)
    directive.body, directive.enabled, directive.updated_at = body, enabled, clock.now()
    if published is not None:
        directive.published = published
    db.session.commit()
    return directive


def publish_directive(directive_id: int, actor_id: int | None) -> Directive:
    """Publish a draft directive: from now on the AI's answers use it."""
    roles.require(actor_id, "publish")
    directive = get_directive(directive_id)
    directive.published, directive.updated_at = True, clock.now()
    db.session.commit()
    return directive


def delete_directive(directive_id: int, actor_id: int | None = None) -> None:
    """Remove a directive for good (its author may drop their own draft)."""
    directive = get_directive(directive_id)
    if not (actor_id is not None and directive.author_id == actor_id and not directive.published):
        roles.require(actor_id, "publish")
    db.session.delete(directive)
    db.session.commit()
