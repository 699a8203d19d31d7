"""Who may reach a view: every endpoint requires a session unless marked public."""
from functools import wraps

from flask import abort, current_app, g, request
from flask_login import current_user, login_required

from halo.extensions import login_manager
from halo.services.access import scope


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


def require_login():
    """before_request: send a request without a session to sign in, unless its view is
    public; a signed-in teammate's request sees only their teams' inboxes (services/access)."""
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
