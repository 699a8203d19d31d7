"""Email test helpers: raw messages, a capturing aiosmtpd server, a synchronous queue.

Fixtures are imported by the email test modules (`from tests.email_support import ...`).
"""
import socket
import threading
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller

from halo.queue import SyncQueue


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_raw(sender="Carla Diaz <carla@customer.test>", to="support@acme.test", subject="Order 1234 is late",
             body="Hi, my order has not arrived.", message_id="<m1@customer.test>", in_reply_to=None,
             references=None, headers=None, cc=None) -> bytes:
    """A small, valid RFC 5322 message."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Date"] = "Tue, 24 Nov 2026 09:00:00 +0000"
    if message_id:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    return msg.as_bytes()


class Captured:
    """What a stand-in mail host received."""

    def __init__(self):
        self.envelopes = []
        self.cond = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        with self.cond:
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
            self.cond.notify_all()
        return "250 OK"

    def messages(self):
        return [BytesParser(policy=policy.default).parsebytes(raw) for _, _, raw in self.envelopes]

    def wait_for(self, n, timeout=10):
        """Wait for a real server event (not for time): n messages received."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.envelopes) < n and time.monotonic() < deadline:
                self.cond.wait(0.05)
        return len(self.envelopes) >= n


class Sink:
    """An aiosmtpd server standing in for the customer's mail host; can go down and come back."""

    def __init__(self):
        self.port = free_port()
        self.captured = Captured()
        self.controller = None

    def up(self):
        self.controller = Controller(self.captured, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def down(self):
        if self.controller:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def sync_queue(app):
    """Run jobs at once in the caller, then restore the app's queue."""
    old = app.extensions["halo_queue"]
    app.extensions["halo_queue"] = queue = SyncQueue(app)
    yield queue
    app.extensions["halo_queue"] = old


@pytest.fixture
def sink(app, tmp_path):
    """A running capture server, with Flask-Mail pointed at it (restored afterwards)."""
    server = Sink()
    server.up()
    state = app.extensions["mail"]
    saved = (state.server, state.port, state.suppress, state.use_tls, state.use_ssl,
             state.username, state.password)
    state.server, state.port, state.suppress = "127.0.0.1", server.port, False
    state.use_tls = state.use_ssl = False
    state.username = state.password = None
    yield server
    server.down()
    (state.server, state.port, state.suppress, state.use_tls, state.use_ssl,
     state.username, state.password) = saved


@pytest.fixture
def attachment_dir(app, tmp_path):
    saved = app.config["HALO_ATTACHMENT_DIR"]
    app.config["HALO_ATTACHMENT_DIR"] = str(tmp_path / "attachments")
    yield tmp_path / "attachments"
    app.config["HALO_ATTACHMENT_DIR"] = saved
