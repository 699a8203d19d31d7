"""Settings > Alias Users and Settings > Chat widget."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from halo.blueprints.access import admin_required
from halo.blueprints.settings import bp
from halo.services.accounts import aliases as alias_service
from halo.services.chat import settings as widget_settings
from halo.services.errors import ValidationError


@bp.route("/settings/team/aliases", methods=["GET", "POST"])
@admin_required
def aliases():
    code = 200
    if request.method == "POST":
        upload = request.files.get("avatar")
        try:
            alias = alias_service.create_alias(request.form.get("name"),
                                         upload.read() if upload and upload.filename else None)
            flash(gettext("Alias %(name)s was added.", name=alias.name), "info")
            return redirect(url_for("settings.aliases"))
        except ValidationError as exc:
            flash(str(exc), "error")
            code = 400
    return render_template("settings/aliases.html", aliases=alias_service.list_aliases()), code


@bp.post("/settings/team/aliases/<int:alias_id>/active")
@admin_required
def alias_active(alias_id: int):
    alias_service.set_alias_active(alias_id, request.form.get("active") == "on")
    return redirect(url_for("settings.aliases"))


@bp.route("/settings/chat-widget", methods=["GET", "POST"])
@admin_required
def chat_widget():
    if request.method == "POST":
        try:
            if request.form.get("section") == "identity":
                widget_settings.save_identity(request.form.get("team_name", ""), request.form.get("greeting", ""))
            else:
                widget_settings.save(request.form.get("allowed_origins", ""),
                                     request.form.get("enforce") == "on",
                                     request.form.get("rotate_secret") == "on")
            flash(gettext("Saved."), "info")
            return redirect(url_for("settings.chat_widget"))
        except ValidationError as exc:
            flash(str(exc), "error")
    return render_template("settings/chat_widget.html", widget=widget_settings.current(),
                           halo_url=request.host_url.rstrip("/"))
