"""Logging: INFO by default, a request id on every line of a request, optional JSON lines,
and the start banner that says where each part of Halo listens.

HALO_LOG_LEVEL (default INFO) and HALO_LOG_FORMAT (`text` or `json`) apply to the app's
loggers and, through halo/gunicorn_conf.py, to gunicorn's own. Request ids: a request's
X-Request-ID header is kept when it looks like one (a proxy's or a load balancer's),
otherwise one is made; either way it is sent back in X-Request-ID and stamped on the logs.
"""
import logging
import re
import sys
import uuid
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy.engine import make_url

import halo

REQUEST_ID_HEADER = "X-Request-ID"
# Ids made by nginx ($request_id), Caddy, AWS/GCP balancers and UUIDs all fit; anything else
# (spaces, control characters, a kilobyte of text) is replaced rather than logged.
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}\Z")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class RequestIdFilter(logging.Filter):
    """Stamps the current request's id (or "-") on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def formatter(fmt: str) -> logging.Formatter:
    """The formatter of HALO_LOG_FORMAT: `json` (one object a line) or `text`."""
    if fmt == "json":
        return JsonFormatter(JSON_FIELDS, rename_fields={"levelname": "level", "name": "logger",
                                                         "asctime": "time"})
    return logging.Formatter(TEXT_FORMAT)


def configure(level: str = "INFO", fmt: str = "text") -> None:
    """Send the root logger to stderr at level, as text or JSON lines (idempotent)."""
    level, fmt = validate(level, fmt)
    root = logging.getLogger()
    # Ours, or the one gunicorn_logconfig() gave gunicorn: a second would print every line twice.
    handler = next((h for h in root.handlers if any(isinstance(f, RequestIdFilter) for f in h.filters)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    handler.setFormatter(formatter(fmt))
    root.setLevel(level)


def validate(level: str, fmt: str) -> tuple[str, str]:
    """(LEVEL, format) checked, with a clear error for a value that is neither."""
    level, fmt = (level or "INFO").upper(), (fmt or "text").lower()
    if level not in LEVELS:
        raise ValueError(f"HALO_LOG_LEVEL={level!r}: choose one of {', '.join(LEVELS)}")
    if fmt not in ("text", "json"):
        raise ValueError(f"HALO_LOG_FORMAT={fmt!r}: choose text or json")
    return level, fmt


def gunicorn_logconfig(level: str, fmt: str) -> dict:
    """gunicorn's logconfig_dict: its error and access logs go through the same stderr handler,
    level and format as the app's (one stream, one shape, for journald or `docker logs`)."""
    level, fmt = validate(level, fmt)
    shape = ({"()": "pythonjsonlogger.json.JsonFormatter", "fmt": JSON_FIELDS,
              "rename_fields": {"levelname": "level", "name": "logger", "asctime": "time"}}
             if fmt == "json" else {"format": TEXT_FORMAT})
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"halo": shape},
        "handlers": {"halo": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                              "formatter": "halo", "filters": ["request_id"]}},
        "root": {"level": level, "handlers": ["halo"]},
        "loggers": {"gunicorn.error": {"level": level, "handlers": [], "propagate": True},
                    "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": True}},
    }


def init_logging(app: Flask) -> None:
    """Configure logging (not under TESTING: pytest owns it) and give every request an id."""
    if not app.testing:
        configure(app.config["HALO_LOG_LEVEL"], app.config["HALO_LOG_FORMAT"])

    @app.before_request
    def _request_id():
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex

    @app.after_request
    def _send_request_id(response):
        if "request_id" in g:
            response.headers[REQUEST_ID_HEADER] = g.request_id
        return response


def mask_url(url: str) -> str:
    """A URL with its password replaced by ***, for the logs."""
    if not url:
        return url
    try:
        if "://" in url and not url.startswith(("redis", "rediss", "unix")):
            return make_url(url).render_as_string(hide_password=True)
        parts = urlsplit(url)
        if parts.password:
            netloc = parts.netloc.rsplit("@", 1)
            user = netloc[0].split(":", 1)[0]
            return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))
    except Exception:  # not a URL we can read: say nothing of it rather than leak it
        return "(unreadable URL)"
    return url


def banner(app: Flask, role: str, web: str | None = None, smtp: str | None = None) -> list[str]:
    """The lines a process logs as it starts: what it is, where it listens, what it uses."""
    cfg = app.config
    backend = app.extensions.get("halo_queue")
    queue_kind = {"ThreadQueue": "in-process threads", "RQQueue": "RQ on Redis",
                  "SyncQueue": "synchronous"}.get(type(backend).__name__, type(backend).__name__)
    bus = "Redis " + mask_url(cfg["REDIS_URL"]) if cfg.get("REDIS_URL") else "in-process"
    lines = [f"Halo {halo.__version__} starting: {role}"]
    if web:
        lines.append(f"web: {web}")
    lines.append(f"SMTP receiver: {smtp or 'not in this process'}")
    lines += [f"queue: {queue_kind}", f"event bus: {bus}",
              f"database: {mask_url(cfg['SQLALCHEMY_DATABASE_URI'])}",
              f"instance: {app.instance_path}"]
    return lines


def log_banner(app: Flask, role: str, web: str | None = None, smtp: str | None = None) -> None:
    """Log the banner at INFO, one record a line (each its own JSON object under json)."""
    log = logging.getLogger("halo")
    for line in banner(app, role, web, smtp):
        log.info(line)
