from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from halo.blueprints.access import admin_required, audited
from halo.blueprints.settings import bp
from halo.services.accounts import users as accounts
from halo.services.errors import ValidationError
from halo.services.inbox import segments
from halo.services.settings import get_setting, set_setting


@bp.get("/settings")
@admin_required
def index():
    return redirect(url_for("settings.team"))


@bp.route("/settings/team", methods=["GET", "POST"])
@admin_required
@audited
def team():
    form, code = {}, 200
    if request.method == "POST":
        form = request.form
        try:
            user = accounts.create_user(form.get("email"), form.get("name"),
                                        form.get("password"), form.get("role", "agent"),
                                        acting_user_id=current_user.id)
            flash(gettext("%(name)s was added to the team.", name=user.name), "info")
            return redirect(url_for("settings.team"))
        except ValidationError as exc:
            flash(str(exc), "error")
            code = 400
    return render_template("settings/team.html", users=accounts.all_users(), form=form), code


@bp.route("/settings/team/<int:user_id>", methods=["GET", "POST"])
@admin_required
@audited
def edit_user(user_id: int):
    user = accounts.get_user(user_id)
    if request.method == "POST":
        form = request.form
        try:
            accounts.update_user(user_id, form.get("name"), form.get("email"),
                                 form.get("role", "agent"), form.get("active") == "on",
                                 form.get("password", ""), acting_user_id=current_user.id,
                                 can_publish=form.get("can_publish") == "on")
            flash(gettext("Saved."), "info")
            return redirect(url_for("settings.team"))
        except ValidationError as exc:
            flash(str(exc), "error")
            return render_template("settings/edit_user.html", user=user, form=form), 400
    return render_template("settings/edit_user.html", user=user, form=None)


@bp.route("/settings/inbox-views", methods=["GET", "POST"])
@admin_required
def inbox_views():
    if request.method == "POST":
        set_setting("auto_assign_on_reply", request.form.get("auto_assign_on_reply") == "on")
        flash(gettext("Saved."), "info")
        return redirect(url_for("settings.inbox_views"))
    return render_template("settings/inbox_views.html",
                           auto_assign=get_setting("auto_assign_on_reply"),
                           team_segments=segments.team_segments())
