from flask import Blueprint

bp = Blueprint("emails", __name__)

from . import views, mail_views  # noqa: E402,F401
