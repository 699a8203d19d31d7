from flask import Blueprint

bp = Blueprint("live", __name__)


@bp.app_template_global("handler_label")
def _handler_label(ticket):
    from ...services.handoff import handler_label
    return handler_label(ticket)

from . import views, ws  # noqa: E402,F401
