"""Who may reach a view: every endpoint requires a session unless marked public."""
from functools import wraps

from flask import abort, current_app, request
from flask_login import current_user, login_required

from halo.extensions import login_manager


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
    """before_request: send a request without a session to sign in, unless its view is public."""
    view = current_app.view_functions.get(request.endpoint)
    if request.endpoint is None or request.endpoint == "static" or getattr(view, "halo_public", False):
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None
