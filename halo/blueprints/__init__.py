"""Blueprints: parse the request, call one service, render."""
from flask import Flask, abort
from flask_login import current_user, login_required


def admin_required(view):
    """Login plus the admin role; agents get 403."""
    from functools import wraps

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


def _require_login():
    from flask import current_app, request

    from ..extensions import login_manager
    view = current_app.view_functions.get(request.endpoint)
    if request.endpoint is None or request.endpoint == "static" or getattr(view, "halo_public", False):
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint; every endpoint not marked public requires a session."""
    app.before_request(_require_login)
    from .auth import bp as auth
    from .emails import bp as emails
    from .inbound import bp as inbound
    from .inbox import bp as inbox
    from .knowledge import bp as knowledge
    from .live import bp as live
    from .settings import bp as settings
    from .tickets import bp as tickets
    from .widget import bp as widget

    for bp in (emails, inbound, auth, inbox, tickets, settings, knowledge, widget, live):
        app.register_blueprint(bp)
