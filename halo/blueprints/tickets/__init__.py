from flask import Blueprint

bp = Blueprint("tickets", __name__)

from . import tools, views  # noqa: E402,F401
from . import ai_views  # noqa: E402,F401
