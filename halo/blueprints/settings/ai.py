"""Settings > AI: the email pipeline, AI chat and the priority filters."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from halo.blueprints.access import admin_required
from halo.blueprints.settings import bp
from halo.services.ai import provider as ai_provider
from halo.services.ai import settings as ai_settings
from halo.services.errors import ValidationError


@bp.route("/settings/ai", methods=["GET", "POST"])
@admin_required
def ai():
    code = 200
    if request.method == "POST":
        f = request.form
        try:
            ai_settings.save(f.get("email_enabled") == "on", f.get("chat_enabled") == "on",
                             f.get("keywords", ""), f.get("traits", ""), f.get("negative") == "on",
                             f.get("priority_tag", ""))
            flash(gettext("AI settings saved."), "info")
            return redirect(url_for("settings.ai"))
        except ValidationError as exc:
            flash(str(exc), "error")
            code = 400
    return render_template("settings/ai.html", s=ai_settings.all_settings(),
                           configured=ai_provider.configured(), model=ai_provider.model_name()), code
