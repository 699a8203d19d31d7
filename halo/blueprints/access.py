"""Who may reach a view: every endpoint requires a session unless marked public."""
from functools import wraps

from flask import abort, current_app, g, redirect, request, session, url_for
from flask_login import current_user, login_required

from halo.extensions import htmx, login_manager
from halo.services import audit
from halo.services.access import scope
from halo.services.accounts import twofactor


def admin_required(view):
    """Login plus the admin role; agents get 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def public(view):
    """Mark a view as reachable without a session (everything else requires login)."""
    view.halo_public = True
    return view


# Blueprints that authenticate each request themselves, never by session: the API reads
# only its bearer token (blueprints/api/auth.py), so a session must not let a call in.
TOKEN_BLUEPRINTS = {"api"}


def require_login():
    """before_request: send a request without a session to sign in, unless its view is
    public; a signed-in teammate's request sees only their teams' inboxes (services/access)."""
    if request.blueprint in TOKEN_BLUEPRINTS:
        return None
    view = current_app.view_functions.get(request.endpoint)
    if request.endpoint is None or request.endpoint == "static" or getattr(view, "halo_public", False):
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    g._halo_scope_token = scope.open_scope(current_user.id)
    return None


def close_scope(_error=None):
    """teardown_request: the thread serves the next request with no scope left open."""
    token = g.pop("_halo_scope_token", None)
    if token is not None:
        scope.close_scope(token)


# What a teammate who must set up two-factor sign-in may still reach.
ENROLMENT_ENDPOINTS = {"settings.two_factor", "settings.two_factor_confirm", "auth.logout", "static"}


def require_two_factor():
    """before_request: when the workspace requires two-factor sign-in, a teammate signed in
    without it is sent to set it up before anything else. Only sessions: a request signed
    by an API token is not a person at a browser."""
    if (not current_user.is_authenticated or "_user_id" not in session
            or request.endpoint in ENROLMENT_ENDPOINTS or current_user.two_factor):
        return None
    required = getattr(current_user, "workspace_requires_two_factor", None)
    if not (twofactor.required() if required is None else required):
        return None
    target = url_for("settings.two_factor")
    if htmx:
        return "", 403, {"HX-Redirect": target}
    return redirect(target)


def audited(view):
    """Mark a settings view whose service writes its own, more telling audit lines."""
    view.halo_audited = True
    return view


# Form fields whose values never go into the audit log.
SECRET_FIELDS = ("password", "secret", "token", "key", "csrf")


def record_settings_change(response):
    """after_request: every successful form post under /settings is an audit line (who,
    which page, what was sent), unless its view records its own."""
    if (request.method != "POST" or response.status_code >= 400 or not request.path.startswith("/settings")
            or not current_user.is_authenticated):
        return response
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "halo_audited", False):
        return response
    fields = {name: ("(set)" if any(s in name.lower() for s in SECRET_FIELDS) else ", ".join(request.form.getlist(name))[:100])
              for name in sorted(request.form) if name != "csrf_token"}
    audit.record(current_user.id, "settings_changed", request.path, fields)
    return response
