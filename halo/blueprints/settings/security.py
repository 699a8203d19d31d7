"""Settings > Security (admins: require two-factor, the audit log) and every teammate's
own two-factor sign-in page."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from halo.blueprints.access import admin_required, audited
from halo.blueprints.settings import bp
from halo.services import audit
from halo.services.accounts import twofactor
from halo.services.errors import ValidationError


@bp.route("/settings/security", methods=["GET", "POST"])
@admin_required
@audited
def security():
    if request.method == "POST":
        try:
            twofactor.set_required(request.form.get("require_two_factor") == "on", current_user.id)
            flash(gettext("Saved."), "info")
        except ValidationError as exc:
            flash(str(exc), "error")
        return redirect(url_for("settings.security"), code=303)
    before = request.args.get("before", type=int)
    action = request.args.get("action") or None
    if action is not None and action not in audit.ACTIONS:
        abort(404)
    lines, next_before = audit.page(before=before, action=action)
    return render_template("settings/security.html", lines=lines, next_before=next_before,
                           action=action, actions=audit.ACTIONS, describe=audit.describe,
                           required=twofactor.required())


@bp.get("/two-factor")
def two_factor():
    """Your two-factor sign-in: on (recovery codes left, turn off) or a QR code to enrol."""
    ctx = {"enabled": current_user.two_factor, "required": twofactor.required()}
    if current_user.two_factor:
        ctx["codes_left"] = twofactor.recovery_codes_left(current_user.id)
    else:
        uri = twofactor.begin_enrolment(current_user.id)
        ctx.update(qr=twofactor.qr_svg(uri), secret=twofactor.secret_text(current_user))
    return render_template("settings/two_factor.html", **ctx)


@bp.post("/two-factor/confirm")
def two_factor_confirm():
    try:
        codes = twofactor.confirm_enrolment(current_user.id, request.form.get("code", ""))
    except ValidationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("settings.two_factor"), code=303)
    return render_template("settings/recovery_codes.html", codes=codes, first=True)


@bp.post("/two-factor/recovery-codes")
def two_factor_recovery_codes():
    try:
        codes = twofactor.renew_recovery_codes(current_user.id)
    except ValidationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("settings.two_factor"), code=303)
    return render_template("settings/recovery_codes.html", codes=codes, first=False)


@bp.post("/two-factor/disable")
def two_factor_disable():
    """Turning it off asks for a current code, so a borrowed session cannot do it."""
    if twofactor.verify(current_user.id, request.form.get("code", "")) is None:
        flash(gettext("That code is not right; two-factor sign-in stays on."), "error")
        return redirect(url_for("settings.two_factor"), code=303)
    try:
        twofactor.disable(current_user.id, current_user.id)
        flash(gettext("Two-factor sign-in is off."), "info")
    except ValidationError as exc:
        flash(str(exc), "error")
    return redirect(url_for("settings.two_factor"), code=303)


@bp.post("/settings/team/<int:user_id>/two-factor/reset")
@admin_required
@audited
def reset_two_factor(user_id: int):
    """For a teammate who lost their phone and codes: they enrol again at their next sign-in."""
    twofactor.disable(user_id, current_user.id)
    flash(gettext("Two-factor sign-in was reset; the teammate sets it up again when they next sign in."), "info")
    return redirect(url_for("settings.edit_user", user_id=user_id), code=303)
