from flask import Blueprint

bp = Blueprint("inbox", __name__)

from . import queue, views  # noqa: E402,F401
