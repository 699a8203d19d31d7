"""The SMTP receiver (aiosmtpd): every accepted message is stored before the 250 reply.

Runs on its own (`flask --app wsgi halo smtpd`) or, in the embedded mode, as a thread of
the web process started by gunicorn's post_worker_init (halo/gunicorn_conf.py).
"""
import asyncio
import logging
import threading

from aiosmtpd.controller import Controller
from flask import Flask

from halo.services.email.ingest import TooLarge, store_email

log = logging.getLogger(__name__)
_embedded_lock = threading.Lock()
_embedded: dict = {}


class IngestHandler:
    """aiosmtpd handler: DATA is stored through the ingest service off the event loop."""

    def __init__(self, app: Flask):
        self.app = app

    async def handle_DATA(self, server, session, envelope):
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, self._store, envelope)
        except Exception as exc:
            if isinstance(exc, TooLarge):
                return "552 5.3.4 Message too big for this server"
            log.exception("could not store an inbound message")
            # 4xx: the sending server keeps the message and tries again; nothing is lost.
            return "451 4.3.0 Temporary failure, please try again later"
        return "250 2.0.0 Message accepted for delivery"

    def _store(self, envelope) -> None:
        raw = envelope.original_content or envelope.content
        with self.app.app_context():
            store_email(raw, "smtp", envelope.mail_from, list(envelope.rcpt_tos))


def make_controller(app: Flask, host: str | None = None, port: int | None = None) -> Controller:
    """A started-on-demand aiosmtpd controller bound to host:port (config by default)."""
    host = host or app.config["HALO_SMTP_HOST"]
    port = app.config["HALO_SMTP_PORT"] if port is None else port
    return Controller(IngestHandler(app), hostname=host, port=port,
                      data_size_limit=app.config["HALO_MAX_EMAIL_BYTES"],
                      enable_SMTPUTF8=True, server_hostname=app.config["HALO_DOMAIN"],
                      ident="Halo ESMTP")


def start_embedded(app: Flask) -> bool:
    """Start the receiver once per process (the schedule polls IMAP and requeues the backlog)."""
    with _embedded_lock:
        if _embedded:
            return False
        controller = make_controller(app)
        try:
            controller.start()
        except Exception as exc:  # e.g. another worker of this server holds the port
            log.warning("SMTP receiver not started on port %s: %s", app.config["HALO_SMTP_PORT"], exc)
            return False
        _embedded["controller"] = controller
    log.info("SMTP receiver listening on %s:%s", controller.hostname, controller.port)
    return True
