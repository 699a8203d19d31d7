from flask import Blueprint

bp = Blueprint("settings", __name__)

from halo.blueprints.settings import (  # noqa: E402,F401  # noqa: E402,F401
    ai,  # noqa: E402,F401
    api_tokens,
    chat,
    csat,
    exports,
    hours,
    inboxes,
    profile,
    security,
    sla,
    tags,
    translation,
    views,
    webhooks,
)
