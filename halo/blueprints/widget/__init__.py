from flask import Blueprint

bp = Blueprint("widget", __name__)

from halo.blueprints.widget import views, ws  # noqa: E402,F401
