from flask import Blueprint

from halo.services.ai import settings as ai_settings
from halo.services.inbox import stamps
from halo.services.tickets.handoff import handler_label

bp = Blueprint("live", __name__)


@bp.app_template_global("handler_label")
def _handler_label(ticket):
    return handler_label(ticket)


@bp.app_template_global("ai_takes_email")
def _ai_takes_email() -> bool:
    """Whether the AI email pipeline is on (the email ticket's "Pass to AI" button);
    kept until the "team" stamp (teammates, aliases and settings) moves on."""
    return stamps.cached(("ai-email-enabled", stamps.seen("team")),
                         lambda: bool(ai_settings.get("ai_email_enabled")))


from halo.blueprints.live import views, ws  # noqa: E402,F401
