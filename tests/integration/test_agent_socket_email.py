"""An open agent page hears about email without a reload: a real SMTP exchange into Halo's
receiver, the job queue processing it, the event published on commit, and the agent's
real WebSocket receiving the new thread line; then an email reply's delivery state as the
send to a real (aiosmtpd) mail host settles."""
import json
import re
import smtplib
import time

import httpx
import pytest
from simple_websocket import Client

from halo.extensions import db
from halo.models import Ticket
from halo.services.tickets import replies
from halo.smtp_receiver import make_controller
from tests.email_support import free_port, make_raw, sink  # noqa: F401
from tests.factories import make_customer, make_ticket, make_user

from .test_email_roundtrip import wait_for_row

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def receiver(app):
    controller = make_controller(app, "127.0.0.1", free_port())
    controller.start()
    yield controller
    controller.stop()


class AgentSocket:
    """A signed-in agent's page socket (/ws/agent), as the page's htmx ws extension opens it."""

    def __init__(self, base, email, hello):
        with httpx.Client(base_url=base) as http:
            token = TOKEN.search(http.get("/login").text).group(1)
            http.post("/login", data={"email": email, "password": "password123", "csrf_token": token})
            cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
        # simple-websocket's client leaves the port out of Host; the Origin matches that.
        self.ws = Client.connect(base.replace("http", "ws", 1) + "/ws/agent",
                                 headers={"Origin": "http://127.0.0.1", "Cookie": cookie})
        self.ws.send(json.dumps({"type": "hello", **hello}))
        self.frames = []

    def until(self, needle, timeout=15.0, when=None):
        """Read fragments until one holds needle (and passes when(frame), if given): a real
        server's push, with a deadline."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            frame = self.ws.receive(timeout=deadline - time.monotonic())
            if frame is None:
                break
            self.frames.append(frame)
            if needle in frame and (when is None or when(frame)):
                return frame
        raise AssertionError(f"no fragment with {needle!r}; got {len(self.frames)} others")

    def close(self):
        self.ws.close()


@pytest.fixture
def agent_socket(live_server):
    opened = []

    def open_socket(email, **hello):
        sock = AgentSocket(live_server, email, hello)
        opened.append(sock)
        return sock
    yield open_socket
    for sock in opened:
        sock.close()


def send(receiver, raw, rcpt="support@acme.test"):
    with smtplib.SMTP(receiver.hostname, receiver.port) as smtp:
        smtp.sendmail("carla@customer.test", [rcpt], raw)


def test_a_new_email_and_a_reply_by_email_reach_open_pages(receiver, agent_socket):
    agent = make_user(email="sara@example.com")
    db.session.commit()
    inbox = agent_socket(agent.email, view="open")
    inbox.until('id="view-counts"')  # subscribed
    send(receiver, make_raw(subject="Parcel never came", body="Where is parcel 77?"))
    inbox.until("Parcel never came")

    ticket = wait_for_row(lambda: db.session.scalar(db.select(Ticket)))
    page = agent_socket(agent.email, ticket=ticket.id)
    page.until("Where is parcel 77?")  # the page's own catch-up
    answer = make_raw(subject="Re: Parcel never came", message_id="<m2@customer.test>",
                      in_reply_to="<m1@customer.test>", references="<m1@customer.test>",
                      body="It is parcel 77, sent on Monday.")
    send(receiver, answer)
    page.until("It is parcel 77, sent on Monday.")


def test_an_email_replys_delivery_state_reaches_the_ticket_page(sink, agent_socket):
    agent = make_user(email="sara@example.com")
    customer_ticket = _email_ticket()
    page = agent_socket(agent.email, ticket=customer_ticket)
    page.until("Hello from Carla")
    reply = replies.post_reply(customer_ticket, agent.id, "It ships today.", "email")
    assert sink.captured.wait_for(1)
    frame = page.until(f'id="msg-{reply.id}"')
    if "delivery-sent" not in frame:  # the Queued line came first; the settled state follows
        page.until("delivery-sent")


def _email_ticket() -> int:
    customer = make_customer(email="carla@customer.test")
    return make_ticket(customer, channel="email", body="Hello from Carla").id
