from flask import Blueprint

bp = Blueprint("inbox", __name__)

from halo.blueprints.inbox import exports, queue, views  # noqa: E402,F401
