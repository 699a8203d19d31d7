from flask import Blueprint

bp = Blueprint("inbound", __name__)

from halo.blueprints.inbound import views  # noqa: E402,F401
