"""Settings > AI: the email pipeline, AI chat and the priority filters."""
from flask import flash, redirect, render_template, request, url_for

from ...services import ai_provider, ai_settings
from ...services.errors import ValidationError
from .. import admin_required
from . import bp


@bp.route("/settings/ai", methods=["GET", "POST"])
@admin_required
def ai():
    code = 200
    if request.method == "POST":
        f = request.form
        try:
            ai_settings.save(f.get("email_enabled") == "on", f.get("chat_enabled") == "on",
                             f.get("keywords", ""), f.get("traits", ""), f.get("negative") == "on")
            flash("AI settings saved.", "info")
            return redirect(url_for("settings.ai"))
        except ValidationError as exc:
            flash(str(exc), "error")
            code = 400
    return render_template("settings/ai.html", s=ai_settings.all_settings(),
                           configured=ai_provider.configured(), model=ai_provider.model_name()), code
