from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from halo.blueprints.access import public
from halo.blueprints.auth import bp
from halo.services.accounts.users import authenticate, close_session, open_session
from halo.web import local_path


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a login to another host."""
    return local_path(target) or url_for("inbox.view", view="open")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    if request.method == "POST":
        user = authenticate(request.form.get("email", ""), request.form.get("password", ""))
        if user is None:
            flash("Wrong email or password, or the account is deactivated.", "error")
            return render_template("auth/login.html", email=request.form.get("email", "")), 401
        open_session(user)
        login_user(user, remember=bool(request.form.get("remember")))
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", email="")


@bp.post("/logout")
def logout():
    close_session(current_user)
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
