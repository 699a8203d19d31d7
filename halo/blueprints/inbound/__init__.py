from flask import Blueprint

bp = Blueprint("inbound", __name__)

from . import views  # noqa: E402,F401
