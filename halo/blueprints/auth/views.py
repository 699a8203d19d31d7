from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from halo.blueprints.access import public
from halo.blueprints.auth import bp
from halo.services.accounts.users import authenticate, close_session, open_session
from halo.web import safe_next


def _next_page() -> str:
    """The page to open after signing in: a path on this site, or the inbox; a next that
    points elsewhere is refused (400) before anyone signs in through the crafted link."""
    return safe_next(request.args.get("next"), url_for("inbox.view", view="open"))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    target = _next_page()
    if current_user.is_authenticated:
        return redirect(target)
    if request.method == "POST":
        user = authenticate(request.form.get("email", ""), request.form.get("password", ""))
        if user is None:
            flash("Wrong email or password, or the account is deactivated.", "error")
            return render_template("auth/login.html", email=request.form.get("email", "")), 401
        open_session(user)
        login_user(user, remember=bool(request.form.get("remember")))
        return redirect(target)
    return render_template("auth/login.html", email="")


@bp.post("/logout")
def logout():
    close_session(current_user)
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
