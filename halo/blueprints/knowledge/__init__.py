from flask import Blueprint

bp = Blueprint("knowledge", __name__)

from halo.blueprints.knowledge import (
    articles,  # noqa: E402,F401
    saved_replies,  # noqa: E402,F401
    views,  # noqa: E402,F401
)
