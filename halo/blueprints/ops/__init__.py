"""Operations: /healthz, /readyz and /metrics, and the hooks that time requests and count sockets."""
from flask import Blueprint

bp = Blueprint("ops", __name__)

from halo.blueprints.ops import views  # noqa: E402,F401  (routes register on bp)
