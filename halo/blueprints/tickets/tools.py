"""Ticket tools: merge, undo a merge, split a message off."""
from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from ...services import merge, status
from ...services.errors import ValidationError
from ...web import is_fragment_request
from . import bp


def _go(url: str):
    """Send the browser to url: HX-Redirect for HTMX (the whole page changes), 303 otherwise."""
    if is_fragment_request():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


def _ids(values) -> list[int]:
    try:
        return [int(v) for v in values]
    except ValueError:
        raise ValidationError("Choose tickets from the list.") from None


@bp.get("/tickets/<int:ticket_id>/merge")
def merge_form(ticket_id: int):
    ticket = status.get_ticket(ticket_id)
    candidates = merge.merge_candidates(ticket_id)
    template = "tickets/_merge_form.html" if is_fragment_request() else "tickets/merge.html"
    return render_template(template, ticket=ticket, candidates=candidates, error=None)


@bp.post("/tickets/<int:ticket_id>/merge")
def merge_into(ticket_id: int):
    try:
        merge.merge_tickets(ticket_id, _ids(request.form.getlist("source_ids")), current_user.id)
    except ValidationError as exc:
        ticket = status.get_ticket(ticket_id)
        template = "tickets/_merge_form.html" if is_fragment_request() else "tickets/merge.html"
        return render_template(template, ticket=ticket, error=str(exc),
                               candidates=merge.merge_candidates(ticket_id)), 400
    flash("Tickets merged. You can undo it from the merge line in the thread.", "info")
    return _go(url_for("tickets.show", ticket_id=ticket_id))


@bp.post("/merges/<int:event_id>/undo")
def undo_merge(event_id: int):
    undo = merge.undo_merge(event_id, current_user.id)
    flash("Merge undone: the tickets are separate again.", "info")
    return _go(url_for("tickets.show", ticket_id=undo.ticket_id))


@bp.post("/messages/<int:message_id>/split")
def split(message_id: int):
    ticket = merge.split_message(message_id, current_user.id)
    flash(f"Message split off into ticket #{ticket.id}.", "info")
    return _go(url_for("tickets.show", ticket_id=ticket.id))
