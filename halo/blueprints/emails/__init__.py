from flask import Blueprint

bp = Blueprint("emails", __name__)

from halo.blueprints.emails import mail_views, views  # noqa: E402,F401
