"""Redis restarts under open sockets: what was published while it was away is lost, and
every connected widget and agent page catches up from the database once the bus is back,
without a further message. A private redis-server of the test's own, so it can be stopped."""
import shutil
import subprocess
import threading

import pytest

from halo import realtime
from halo.extensions import db
from halo.models import Message
from halo.services.settings import set_setting
from halo.services.tickets import replies
from tests.email_support import free_port
from tests.factories import make_user

from .chat_helpers import Widget
from .test_agent_socket_email import AgentSocket


class RedisServer:
    """A redis-server process on a free port, stopped and started again by the test."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self):
        """Start it and return once it says it accepts connections (its own log line)."""
        self.proc = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"], stdout=subprocess.PIPE, text=True)
        for line in self.proc.stdout:
            if "Ready to accept connections" in line:
                threading.Thread(target=self.proc.stdout.read, daemon=True).start()  # keep the pipe drained
                return
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


@pytest.fixture
def redis_server():
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed (needs a real Redis)")
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_bus(app, redis_server):
    """The app's bus on the private Redis for this test, then the in-process bus again."""
    old = app.extensions["halo_bus"]
    app.extensions["halo_bus"] = bus = realtime.RedisBus(redis_server.url)
    assert bus.wait_ready(10)
    yield bus
    bus.stop()
    app.extensions["halo_bus"] = old


def test_sockets_catch_up_after_redis_restarts(live_server, redis_server, redis_bus):
    set_setting("widget_allowed_origins", [live_server])
    agent = make_user(email="sara@example.com")
    db.session.commit()
    widget = Widget(live_server)
    widget.send({"type": "send", "client_id": "c-1", "body": "Is my order on its way?"})
    first = widget.until("ack", client_id="c-1")["id"]
    ticket_id = db.session.get(Message, first).ticket_id
    page = AgentSocket(live_server, agent.email, {"ticket": ticket_id, "after": first})
    page.until(f'id="ticket-{ticket_id}-presence"')  # subscribed and caught up
    try:
        redis_server.stop()  # the reply's event is published into nothing and lost
        reply = replies.post_reply(ticket_id, agent.id, "Yes, it ships today.", "chat")
        redis_server.start()
        # Nobody sends anything more: the bus's return alone brings the reply to both.
        assert widget.until("message", timeout=30, id=reply.id)["body"] == "Yes, it ships today."
        page.until("Yes, it ships today.", timeout=30)
    finally:
        widget.close()
        page.close()

