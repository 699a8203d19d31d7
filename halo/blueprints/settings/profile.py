"""Every teammate's own page: time zone, and their notifications."""
from zoneinfo import available_timezones

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from halo.blueprints.settings import bp
from halo.services.errors import ValidationError
from halo.services.tickets import notifications, snooze


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    code = 200
    if request.method == "POST":
        try:
            snooze.set_timezone(current_user.id, request.form.get("timezone"))
            flash("Time zone saved.", "info")
            return redirect(url_for("settings.profile"), code=303)
        except ValidationError as exc:
            flash(str(exc), "error")
            code = 400
    return render_template("settings/profile.html", zones=sorted(available_timezones())), code


@bp.get("/notifications")
def notifications_page():
    items = notifications.recent(current_user.id)
    return render_template("settings/notifications.html", items=items)


@bp.post("/notifications/read")
def notifications_read():
    notifications.mark_all_read(current_user.id)
    return redirect(url_for("settings.notifications_page"), code=303)
