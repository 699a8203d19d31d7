"""Undo for quick actions (services/tickets/undo.py): the sentence an offer shows, and the
Undo button's endpoint for the ticket page and the inbox."""
from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from halo.blueprints.tickets import bp
from halo.extensions import db
from halo.i18n import N_
from halo.models import STATUS_LABELS, User
from halo.security.redirects import safe_next
from halo.services.errors import ValidationError
from halo.services.tickets import undo
from halo.web import is_fragment_request

STATUS_DONE = {"resolved": N_("Resolved #%(id)s."), "spam": N_("Marked #%(id)s as spam."),
               "snoozed": N_("Snoozed #%(id)s."), "open": N_("Reopened #%(id)s.")}


def status_text(ticket_id: int, target: str) -> str:
    if target in STATUS_DONE:
        return gettext(STATUS_DONE[target], id=ticket_id)
    return gettext("Set #%(id)s to %(status)s.", id=ticket_id,
                   status=gettext(STATUS_LABELS[target]) if target in STATUS_LABELS else target)


def assign_text(ticket_id: int, assignee_id: int | None) -> str:
    if assignee_id is None:
        return gettext("Unassigned #%(id)s.", id=ticket_id)
    if assignee_id == current_user.id:
        return gettext("You took #%(id)s.", id=ticket_id)
    user = db.session.get(User, assignee_id)
    return gettext("Assigned #%(id)s to %(name)s.", id=ticket_id, name=user.name if user else gettext("a teammate"))


@bp.post("/undo")
def undo_action():
    """Take back a quick action. On the ticket page the page reloads (its controls, thread
    and clocks all moved); on a list the list refreshes; without JavaScript, back to where
    the button was, with the outcome said."""
    back = safe_next(request.form.get("next"), url_for("inbox.view", view="open"))
    try:
        result = undo.undo(request.form.get("token", ""), current_user.id)
        message, level, code = result.summary(), "error" if result.skipped else "info", 200
    except ValidationError as exc:
        message, level, code = str(exc), "error", exc.status_code
    if not is_fragment_request():
        flash(message, level)
        return redirect(back)
    if code == 200 and request.form.get("reload"):
        flash(message, level)  # said on the reloaded page
        response = make_response("", 200)
        response.headers["HX-Refresh"] = "true"
        return response
    response = make_response(render_template("_toast.html", toast_text=message, toast_level=level), code)
    if code == 200:
        response.headers["HX-Trigger"] = "ticket-list-changed"
    return response
