"""The ticket header's tags: add one (from the suggestions or a new name), take one off,
and the suggestions the tag box offers as the agent types."""
from flask import render_template, request
from flask_login import current_user

from halo.blueprints.tickets import bp
from halo.blueprints.tickets.views import _changed, _control_error
from halo.services.errors import ValidationError
from halo.services.tickets import status, tag_catalog
from halo.services.tickets import tags as ticket_tags

PARTIAL = "tickets/_tags.html"


@bp.post("/tickets/<int:ticket_id>/tags")
def add_tag(ticket_id: int):
    return _change(ticket_id, add=True)


@bp.post("/tickets/<int:ticket_id>/tags/remove")
def remove_tag(ticket_id: int):
    return _change(ticket_id, add=False)


def _change(ticket_id: int, add: bool):
    try:
        event = ticket_tags.change_tag(ticket_id, request.form.get("tag", ""), current_user.id, add=add)
    except ValidationError as exc:
        return _control_error(ticket_id, PARTIAL, "tags", str(exc))
    return _changed(ticket_id, PARTIAL, event)


@bp.get("/tickets/<int:ticket_id>/tags/suggest")
def tag_suggestions(ticket_id: int):
    """Existing tags for what was typed (not those the ticket has), and "Create …" for a new
    valid name."""
    ticket = status.get_ticket(ticket_id)
    typed = " ".join(request.args.get("tag", "").split())[:40]
    have = ticket_tags.tags_of([ticket.id])[ticket.id]
    found = tag_catalog.suggest(typed, exclude=have)
    new_name = None
    if typed and ticket_tags.NAME.match(typed) and typed.lower() not in {t.name.lower() for t in found} \
            and typed.lower() not in {n.lower() for n in have}:
        new_name = typed
    return render_template("tickets/_tag_options.html", suggestions=found, new_name=new_name,
                           list_id=f"ticket-{ticket.id}-tag-options")
