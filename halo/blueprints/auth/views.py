"""Signing in (password, then the two-factor code when the teammate has it), signing out."""
from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user, login_user, logout_user

from halo import clock
from halo.blueprints.access import public
from halo.blueprints.auth import bp
from halo.services import audit
from halo.services.accounts import throttle, twofactor
from halo.services.accounts.users import (
    authenticate,
    close_session,
    get_user,
    open_session,
)
from halo.services.errors import NotFound
from halo.web import safe_next

# Between the password and the code: who, for how long (seconds), remember me, next.
PENDING = "halo_two_factor"
PENDING_SECONDS = 300


def _next_page() -> str:
    """The page to open after signing in: a path on this site, or the inbox; a next that
    points elsewhere is refused (400) before anyone signs in through the crafted link."""
    return safe_next(request.args.get("next"), url_for("inbox.view", view="open"))


def _too_many(account: str, template: str, **ctx):
    """429 with Retry-After, while the throttle holds this account or address."""
    wait = throttle.sign_in_wait(account, request.remote_addr)
    if not wait:
        return None
    if throttle.first_refusal(account, request.remote_addr, wait):  # one line a block, not one an attempt
        audit.record(None, "sign_in_throttled", account, {"retry_after": wait}, actor_email=account)
    minutes = max(1, round(wait / 60))
    flash(ngettext("Too many sign-in attempts. Try again in %(num)s minute.", "Too many sign-in attempts. Try again in %(num)s minutes.", minutes), "error")
    return render_template(template, **ctx), 429, {"Retry-After": str(wait)}


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    target = _next_page()
    if current_user.is_authenticated:
        return redirect(target)
    if request.method == "GET":
        return render_template("auth/login.html", email="")
    email = request.form.get("email", "").strip()
    refused = _too_many(email, "auth/login.html", email=email)
    if refused:
        return refused
    user = authenticate(email, request.form.get("password", ""))
    if user is None:
        throttle.sign_in_failed(email, request.remote_addr)
        audit.record(None, "sign_in_failed", email, actor_email=email)
        flash(gettext("Wrong email or password, or the account is deactivated."), "error")
        return render_template("auth/login.html", email=email), 401
    remember = bool(request.form.get("remember"))
    if user.two_factor:
        session[PENDING] = {"u": user.id, "r": remember, "n": target, "t": clock.now().timestamp()}
        return redirect(url_for("auth.two_factor"))
    return _signed_in(user, remember, target, {})


@bp.route("/login/two-factor", methods=["GET", "POST"])
@public
def two_factor():
    pending = session.get(PENDING) or {}
    try:
        user = get_user(int(pending.get("u", 0)))
    except (NotFound, ValueError, TypeError):
        user = None
    if user is None or not user.active or clock.now().timestamp() - pending.get("t", 0) > PENDING_SECONDS:
        session.pop(PENDING, None)
        flash(gettext("Sign in again: the two-factor step timed out."), "error")
        return redirect(url_for("auth.login"))
    if request.method == "GET":
        return render_template("auth/two_factor.html")
    refused = _too_many(user.email, "auth/two_factor.html")
    if refused:
        return refused
    kind = twofactor.verify(user.id, request.form.get("code", ""))
    if kind is None:
        throttle.sign_in_failed(user.email, request.remote_addr)
        audit.record(user.id, "two_factor_failed", user.email)
        flash(gettext("That code is not right. Use the newest code from your app, or a recovery code."), "error")
        return render_template("auth/two_factor.html"), 401
    session.pop(PENDING, None)
    if kind == "recovery":
        left = twofactor.recovery_codes_left(user.id)
        flash(gettext("You signed in with a recovery code; %(left)s left. Make new ones in your profile.", left=left), "info")
    return _signed_in(user, pending.get("r", False), pending.get("n") or url_for("inbox.view", view="open"),
                      {"two_factor": kind})


def _signed_in(user, remember: bool, target: str, detail: dict):
    throttle.sign_in_succeeded(user.email)
    open_session(user)
    login_user(user, remember=remember)
    audit.record(user.id, "sign_in", user.email, detail)
    if twofactor.needs_enrolment(user):
        flash(gettext("This workspace requires two-factor sign-in: set it up to continue."), "info")
        return redirect(url_for("settings.two_factor"))
    return redirect(target)


@bp.post("/logout")
def logout():
    audit.record(current_user.id, "sign_out", current_user.email)
    close_session(current_user)
    logout_user()
    flash(gettext("You are signed out."), "info")
    return redirect(url_for("auth.login"))
