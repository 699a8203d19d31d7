from flask import Blueprint

bp = Blueprint("inbox", __name__)

from halo.blueprints.inbox import queue, views  # noqa: E402,F401
