from flask import Blueprint

bp = Blueprint("knowledge", __name__)

from . import views  # noqa: E402,F401
from . import articles  # noqa: E402,F401
from . import saved_replies  # noqa: E402,F401
