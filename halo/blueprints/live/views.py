"""Live Conversations: chats in progress, and taking over from / passing back to the AI."""
from flask import redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import escape

from halo import clock
from halo.blueprints.live import bp
from halo.services.errors import ValidationError
from halo.services.tickets import handoff
from halo.web import is_fragment_request, safe_next


@bp.get("/live")
def index():
    return render_template("live/index.html", sessions=handoff.live_sessions(),
                           handler_label=handoff.handler_labeler(), now=clock.now())


@bp.post("/tickets/<int:ticket_id>/take-over")
def take_over(ticket_id: int):
    return _handoff(ticket_id, lambda: handoff.take_over(ticket_id, current_user.id))


@bp.post("/tickets/<int:ticket_id>/pass-to-ai")
def pass_to_ai(ticket_id: int):
    return _handoff(ticket_id, lambda: handoff.pass_to_ai(ticket_id, current_user.id))


def _handoff(ticket_id: int, change):
    """Both buttons answer the same way: back to where they were pressed."""
    target = safe_next(request.form.get("next"), url_for("tickets.show", ticket_id=ticket_id))
    try:
        change()
    except ValidationError as exc:
        if is_fragment_request():
            return f'<p class="field-error" role="alert">{escape(str(exc))}</p>', 400
        raise
    if is_fragment_request():
        # The socket pushes the new header; an htmx caller only needs to stay put.
        return "", 204
    return redirect(target)
