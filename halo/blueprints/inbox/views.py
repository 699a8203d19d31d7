from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from ... import clock
from ...services import inbox
from ...web import is_fragment_request
from . import bp


@bp.get("/")
def home():
    return redirect(url_for("inbox.view", view="open"))


@bp.get("/inbox/<view>")
def view(view: str):
    if view not in inbox.VIEWS:
        abort(404)
    now = clock.now()
    tickets, next_cursor = inbox.list_tickets(
        view, current_user.id, now, request.args.get("after"),
        current_app.config["HALO_PAGE_SIZE"])
    context = {"view": view, "view_label": inbox.VIEWS[view], "tickets": tickets,
               "next_cursor": next_cursor, "now": now}
    if is_fragment_request() and request.args.get("after"):
        return render_template("inbox/_rows.html", **context)
    context["counts"] = inbox.view_counts(current_user.id, now)
    return render_template("inbox/index.html", **context)


@bp.get("/inbox/counts")
def counts():
    """The sidebar counts alone (the live updates and tests use it)."""
    return render_template("_counts.html", counts=inbox.view_counts(current_user.id, clock.now()),
                           view=request.args.get("view"))
