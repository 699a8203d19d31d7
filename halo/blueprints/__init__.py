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

    from halo.extensions import login_manager
    view = current_app.view_functions.get(request.endpoint)
    if request.endpoint is None or request.endpoint == "static" or getattr(view, "halo_public", False):
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint; every endpoint not marked public requires a session."""
    app.before_request(_require_login)
    from halo.blueprints.auth import bp as auth
    from halo.blueprints.emails import bp as emails
    from halo.blueprints.inbound import bp as inbound
    from halo.blueprints.inbox import bp as inbox
    from halo.blueprints.knowledge import bp as knowledge
    from halo.blueprints.live import bp as live
    from halo.blueprints.settings import bp as settings
    from halo.blueprints.tickets import bp as tickets
    from halo.blueprints.widget import bp as widget

    for bp in (emails, inbound, auth, inbox, tickets, settings, knowledge, widget, live):
        app.register_blueprint(bp)
