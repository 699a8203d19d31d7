from flask import Blueprint

bp = Blueprint("tickets", __name__)

from halo.blueprints.tickets import (  # noqa: E402,F401
    ai_views,  # noqa: E402,F401
    sla_views,
    tag_views,
    tools,
    undo_views,
    views,
)
