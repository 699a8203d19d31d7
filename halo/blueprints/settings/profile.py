"""Every teammate's own page: time zone, language, and their notifications."""
from zoneinfo import available_timezones

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, refresh
from flask_login import current_user

from halo.blueprints.settings import bp
from halo.i18n import Translated
from halo.services.accounts import users as accounts
from halo.services.errors import ValidationError
from halo.services.notifications import prefs as notify_prefs
from halo.services.tickets import notifications, snooze


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    code = 200
    if request.method == "POST":
        try:
            snooze.set_timezone(current_user.id, request.form.get("timezone"))
            flash(gettext("Time zone saved."), "info")
            return redirect(url_for("settings.profile"), code=303)
        except ValidationError as exc:
            flash(str(exc), "error")
            code = 400
    return render_template("settings/profile.html", zones=sorted(available_timezones()),
                           prefs=notify_prefs.of(current_user), email_kinds=Translated(notify_prefs.EMAIL_KINDS)), code


@bp.post("/profile/language")
def language():
    try:
        accounts.set_locale(current_user.id, request.form.get("locale"))
        refresh()  # the message below is in the language just chosen
        flash(gettext("Language saved."), "info")
    except ValidationError as exc:
        flash(str(exc), "error")
    return redirect(url_for("settings.profile") + "#profile-language", code=303)


@bp.post("/profile/notifications")
def notification_prefs():
    try:
        notify_prefs.save(current_user.id, request.form.getlist("email"), "digest" in request.form,
                          "desktop" in request.form, "sound" in request.form, "chats" in request.form)
        flash(gettext("Notification settings saved."), "info")
    except ValidationError as exc:
        flash(str(exc), "error")
    return redirect(url_for("settings.profile") + "#profile-notifications", code=303)


@bp.app_context_processor
def _notify_context():
    return {"notify_prefs": lambda: notify_prefs.of(current_user)}


@bp.get("/notifications")
def notifications_page():
    items = notifications.recent(current_user.id)
    return render_template("settings/notifications.html", items=items)


@bp.post("/notifications/read")
def notifications_read():
    notifications.mark_all_read(current_user.id)
    return redirect(url_for("settings.notifications_page"), code=303)
