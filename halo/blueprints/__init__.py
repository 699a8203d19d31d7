"""Blueprints: parse the request, call one service, render."""
from flask import Flask

from halo.blueprints.access import (
    close_scope,
    record_settings_change,
    require_login,
    require_two_factor,
)
from halo.blueprints.api import bp as api
from halo.blueprints.api import not_routed as api_not_routed
from halo.blueprints.auth import bp as auth
from halo.blueprints.customers import bp as customers
from halo.blueprints.emails import bp as emails
from halo.blueprints.inbound import bp as inbound
from halo.blueprints.inbox import bp as inbox
from halo.blueprints.knowledge import bp as knowledge
from halo.blueprints.live import bp as live
from halo.blueprints.ops import bp as ops
from halo.blueprints.reports import bp as reports
from halo.blueprints.settings import bp as settings
from halo.blueprints.survey import bp as survey
from halo.blueprints.tickets import bp as tickets
from halo.blueprints.widget import bp as widget


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint; every endpoint not marked public requires a session (and
    two-factor sign-in when the workspace requires it); settings posts are audited."""
    app.before_request(require_login)
    app.teardown_request(close_scope)
    app.before_request(require_two_factor)
    app.after_request(record_settings_change)
    for bp in (emails, inbound, auth, inbox, tickets, settings, knowledge, widget, live, ops, reports, customers,
               survey, api):
        app.register_blueprint(bp)
    # The app's 404/405 for an /api/ path that matched no rule answer with the API's
    # problem document (web.py asks for it), not the HTML error page.
    app.extensions["halo_api_errors"] = api_not_routed
