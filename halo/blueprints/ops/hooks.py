"""Request hooks of the ops blueprint: the metrics allow-list, request timing, open sockets."""
import ipaddress
import time

from flask import Flask, g, request
from flask_babel import gettext

from halo.services.ops import metrics

# Socket endpoints: counted while open, never timed (they last as long as the page).
SOCKET_ENDPOINTS = {"widget.socket": "widget", "live.socket": "agent"}
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def allowed_networks(value: str) -> list:
    """HALO_METRICS_ALLOW parsed: comma-separated addresses or networks; a clear error otherwise."""
    nets = []
    for item in (value or "").replace(" ", ",").split(","):
        if item:
            try:
                nets.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(gettext("HALO_METRICS_ALLOW: %(item)s is not an address or network (e.g. 10.0.0.0/8, 192.168.1.5, ::1)", item=f'{item!r}')) from None
    return nets


def init_ops(app: Flask) -> None:
    """Parse the metrics allow-list once; time every request and count open sockets."""
    app.extensions["halo_metrics_allow"] = allowed_networks(app.config["HALO_METRICS_ALLOW"])

    @app.before_request
    def _start():
        kind = SOCKET_ENDPOINTS.get(request.endpoint)
        if kind:
            metrics.SOCKETS.labels(kind).inc()
            g.halo_socket = kind
        else:
            g.halo_started = time.perf_counter()

    @app.after_request
    def _count(response):
        started = g.pop("halo_started", None)
        if started is not None:
            route = request.url_rule.rule if request.url_rule is not None else "unmatched"
            method = request.method if request.method in _METHODS else "other"
            metrics.REQUESTS.labels(route, method, str(response.status_code)).inc()
            metrics.LATENCY.labels(route, method).observe(time.perf_counter() - started)
        return response

    @app.teardown_request
    def _socket_closed(exc):
        kind = g.pop("halo_socket", None)
        if kind:
            metrics.SOCKETS.labels(kind).dec()

