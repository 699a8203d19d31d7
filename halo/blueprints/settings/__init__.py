from flask import Blueprint

bp = Blueprint("settings", __name__)

from . import chat, views  # noqa: E402,F401
from . import ai  # noqa: E402,F401
from . import profile, translation  # noqa: E402,F401
