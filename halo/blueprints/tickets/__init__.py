from flask import Blueprint

bp = Blueprint("tickets", __name__)

from . import views  # noqa: E402,F401
