"""Health, readiness and metrics for load balancers, orchestrators and Prometheus.

/healthz says the process answers (liveness: nothing else is checked, so a database
outage never gets healthy web processes killed). /readyz runs the readiness checks,
all or those named by ?check=, and answers 200 or 503 with each check's reason as JSON.
Both are public and say nothing secret. /metrics is for the addresses in
HALO_METRICS_ALLOW or a request with `Authorization: Bearer $HALO_METRICS_TOKEN`.
"""
import hmac
import ipaddress

from flask import current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST

from halo.blueprints.access import public
from halo.blueprints.ops import bp
from halo.services.ops import health, metrics


@bp.get("/healthz")
@public
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
@public
def readyz():
    try:
        ok, checks = health.readiness(request.args.getlist("check") or None)
    except ValueError as exc:
        return jsonify(status="error", error=str(exc)), 400
    return jsonify(status="ok" if ok else "fail", checks=checks), 200 if ok else 503


@bp.get("/metrics")
@public
def metrics_view():
    refusal = _metrics_refusal()
    if refusal:
        return refusal
    return metrics.render(), 200, {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"}


def _metrics_refusal():
    """None when the caller may read metrics, else the response that says why not."""
    token = current_app.config.get("HALO_METRICS_TOKEN") or ""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer":
        if hmac.compare_digest(given.strip().encode(), token.encode()):
            return None
        return jsonify(error="invalid bearer token"), 401, {"WWW-Authenticate": "Bearer"}
    # Through a reverse proxy that Halo was not told about (HALO_PROXY_HOPS), remote_addr is
    # the proxy's own address, often 127.0.0.1: such a request needs the token.
    proxied = ("X-Forwarded-For" in request.headers or "Forwarded" in request.headers) \
        and "werkzeug.proxy_fix.orig" not in request.environ
    if not proxied and _address_allowed(request.remote_addr):
        return None
    hint = " or with HALO_METRICS_TOKEN" if token else ""
    return jsonify(error=f"metrics are served to the addresses in HALO_METRICS_ALLOW{hint}"), 403


def _address_allowed(addr: str | None) -> bool:
    try:
        ip = ipaddress.ip_address((addr or "").split("%")[0])
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in net for net in current_app.extensions["halo_metrics_allow"])
