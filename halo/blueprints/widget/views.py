"""The widget script and alias avatars (public, cacheable), and blocking a chat visitor
(agents only)."""
import os

from flask import current_app, redirect, render_template, send_from_directory, url_for
from flask_login import current_user
from markupsafe import escape

from halo import clock
from halo.blueprints.access import public
from halo.blueprints.widget import bp
from halo.services import chat
from halo.services.accounts.aliases import open_avatar
from halo.services.email.attachments import open_attachment
from halo.services.errors import ValidationError
from halo.services.tickets import assignment, files, status
from halo.web import is_fragment_request, send_stored


@bp.get("/widget.js")
@public
def script():
    response = send_from_directory(os.path.join(current_app.root_path, "static"), "widget.js",
                                   mimetype="text/javascript", max_age=300)
    # Any site may load the script; what it may do is decided by /ws/widget's Origin check.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/avatars/<name>")
@public
def avatar(name: str):
    response = send_stored(open_avatar(name), max_age=86400)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/widget/files/<token>")
@public
def team_file(token: str):
    """A file the team sent in the chat, by the signed link the widget was given: a picture
    shows in the widget, anything else downloads; nothing served here can run."""
    row = files.for_widget(token)
    response = send_stored(open_attachment(row), mimetype=row.content_type, as_attachment=not row.previewable,
                           download_name=row.filename, max_age=86400)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.post("/tickets/<int:ticket_id>/visitor/block")
def block(ticket_id: int):
    """Block the chat visitor of a ticket the agent may see."""
    return _blocking(ticket_id, chat.block_visitor)


@bp.post("/tickets/<int:ticket_id>/visitor/unblock")
def unblock(ticket_id: int):
    """Let a blocked chat visitor in again."""
    return _blocking(ticket_id, chat.unblock_visitor)


def _blocking(ticket_id: int, change):
    """Both buttons: the visitor panel again for htmx, else back to the ticket."""
    try:
        change(ticket_id, current_user.id)
    except ValidationError as exc:
        if is_fragment_request():
            return f'<p class="field-error" role="alert">{escape(str(exc))}</p>', 400
        raise
    if not is_fragment_request():
        return redirect(url_for("tickets.show", ticket_id=ticket_id))
    return render_template("widget/_visitor.html", ticket=status.get_ticket(ticket_id),
                           visitors=chat.ticket_visitors(ticket_id),
                           users_by_id={u.id: u for u in assignment.team()}, now=clock.now())
