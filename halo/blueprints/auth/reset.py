"""Forgotten password: ask for a link by email, then choose a new password through it."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from halo.blueprints.access import public
from halo.blueprints.auth import bp
from halo.i18n import N_
from halo.services.accounts import reset
from halo.services.errors import ValidationError

SENT = N_("If an account uses that address, a link to choose a new password is on its way. "
         "It works once, for %(minutes)s minutes.")


@bp.route("/reset", methods=["GET", "POST"])
@public
def forgot():
    if request.method == "POST":
        # The same answer whether or not the address has an account.
        reset.request_reset(request.form.get("email", ""), request.remote_addr)
        flash(gettext(SENT, minutes=reset.max_age() // 60), "info")
        return redirect(url_for("auth.login"), code=303)
    return render_template("auth/forgot.html")


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def choose_password(token: str):
    try:
        user = reset.check_token(token)
    except ValidationError as exc:
        flash(str(exc), "error")
        return _no_referrer(render_template("auth/forgot.html"), 400)
    if request.method == "POST":
        try:
            reset.reset_password(token, request.form.get("password", ""), request.form.get("confirm", ""))
        except ValidationError as exc:
            flash(str(exc), "error")
            return _no_referrer(render_template("auth/choose_password.html", user=user), 400)
        flash(gettext("Your password is changed. Sign in with it now."), "info")
        return redirect(url_for("auth.login"), code=303)
    return _no_referrer(render_template("auth/choose_password.html", user=user), 200)


def _no_referrer(html: str, code: int):
    """The token is in this page's URL: no Referer carries it anywhere, even to Halo."""
    return html, code, {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
