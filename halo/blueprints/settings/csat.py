"""Settings > Satisfaction: the CSAT survey switch (off by default) and the email's delay.
Like every settings form, a save is an audit line (blueprints/access.record_settings_change)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from halo.blueprints.access import admin_required
from halo.blueprints.settings import bp
from halo.services.csat import surveys
from halo.services.errors import ValidationError


@bp.route("/settings/satisfaction", methods=["GET", "POST"])
@admin_required
def satisfaction():
    if request.method == "POST":
        try:
            surveys.save_settings(request.form.get("enabled") == "on", request.form.get("delay", "0"))
            flash(gettext("Saved."), "info")
            return redirect(url_for("settings.satisfaction"), code=303)
        except ValidationError as exc:
            flash(str(exc), "error")
            return render_template("settings/satisfaction.html", csat=surveys.settings(),
                                   delays=surveys.DELAYS), 400
    return render_template("settings/satisfaction.html", csat=surveys.settings(), delays=surveys.DELAYS)
