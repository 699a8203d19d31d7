"""Settings > Business hours: the workspace's schedule and each inbox's own."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from halo import formats
from halo.blueprints.access import admin_required
from halo.blueprints.settings import bp
from halo.services.access import inboxes
from halo.services.errors import NotFound, ValidationError
from halo.services.service_levels import schedules


def _inbox_arg() -> int | None:
    raw = request.values.get("inbox", "")
    if raw in ("", "workspace"):
        return None
    if not raw.isdigit():
        abort(400, "Choose an inbox.")
    return int(raw)


@bp.route("/settings/business-hours", methods=["GET", "POST"])
@admin_required
def business_hours():
    inbox_id = _inbox_arg()
    try:
        inbox = inboxes.get_inbox(inbox_id) if inbox_id is not None else None
    except NotFound:
        abort(404)
    code = 200
    form = schedules.form_for(inbox_id)
    if request.method == "POST":
        days = [request.form.get(f"day{i}", "") for i in range(7)]
        if request.form.get("action") == "inherit" and inbox_id is not None:
            schedules.clear(inbox_id)
            flash(gettext("%(name)s now keeps the workspace's hours.", name=inbox.name), "info")
            return redirect(url_for("settings.business_hours", inbox=inbox_id))
        try:
            schedules.save(inbox_id, request.form.get("timezone", ""), days,
                           request.form.get("holidays", ""), request.form.get("reply_hours", ""))
            flash(gettext("Business hours saved."), "info")
            return redirect(url_for("settings.business_hours", inbox=inbox_id or "workspace"))
        except ValidationError as exc:
            flash(str(exc), "error")
            code = 400
            form = schedules.Form(inbox_id, form.own, request.form.get("timezone", ""), days,
                                  request.form.get("holidays", ""), request.form.get("reply_hours") or None)
    return render_template("settings/business_hours.html", form=form, inbox=inbox,
                           inboxes=inboxes.list_inboxes(), days=formats.weekday_names()), code
