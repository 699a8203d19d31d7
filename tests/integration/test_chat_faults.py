"""Bad input and faults on the widget socket, with real WebSocket clients: malformed frames
get a clear answer and change nothing; a server process killed in the middle of a burst
of messages loses and duplicates none of them once the widget resends what was not
acknowledged (as widget.js does after every welcome)."""
import os
import signal
import subprocess
import sys

import pytest
from simple_websocket import ConnectionClosed

from halo.extensions import db
from halo.models import Customer, Message, Ticket, Visitor
from halo.services import chat
from halo.services.settings import set_setting
from halo.services.tickets import replies
from tests.factories import make_user

from .chat_helpers import Widget


@pytest.fixture
def server(live_server):
    set_setting("widget_allowed_origins", [live_server])
    db.session.commit()
    return live_server


def _count(model):
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.mark.parametrize("frame, code", [
    ("not json at all", "bad_frame"),
    ("[1, 2, 3]", "bad_frame"),
    ("[" * 8000 + "]" * 8000, "bad_frame"),  # deeper than the parser goes (was a 500)
    ('{"type": "launch-rockets"}', "unknown_type"),
    ('{"type": "send", "client_id": 17, "body": "hi"}', "validationerror"),
    ('{"type": "send", "client_id": "has space", "body": "hi"}', "validationerror"),
    ('{"type": "send", "client_id": "composer:k1:abc", "body": "hi"}', "validationerror"),
    ('{"type": "send", "client_id": "c-1", "body": "   "}', "validationerror"),
    ('{"type": "send", "client_id": "c-1", "body": ["a list"]}', "validationerror"),
])
def test_a_malformed_frame_is_answered_and_changes_nothing(server, frame, code):
    w = Widget(server)
    before = _count(Message), _count(Ticket)
    w.ws.send(frame)
    error = w.until("error")
    assert error["code"] == code
    w.send({"type": "ping"})
    w.until("pong")  # the socket lives on
    assert (_count(Message), _count(Ticket)) == before
    w.close()


def test_a_hello_with_a_forged_token_gets_a_new_visitor(server):
    w = Widget(server, token="forged.token")
    assert isinstance(w.token, str) and w.welcome["new"] is True and w.welcome["visitor"] is None
    w.close()


@pytest.fixture
def server_process(app):
    """Start Halo in its own process on the test database; the test may kill it (-9)."""
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               SECRET_KEY=app.config["SECRET_KEY"])
    env.pop("REDIS_URL", None)
    started = []

    def start():
        proc = subprocess.Popen([sys.executable, "-m", "tests.integration.chat_server"], env=env,
                                stdout=subprocess.PIPE, text=True)
        started.append(proc)
        return proc, proc.stdout.readline().strip()
    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def test_a_server_killed_mid_burst_loses_and_doubles_nothing(server_process):
    proc, url = server_process()
    set_setting("widget_allowed_origins", [url])
    db.session.commit()
    w = Widget(url)
    w.send({"type": "send", "client_id": "m-0", "body": "first"})
    w.until("ack", client_id="m-0")
    sent = [f"m-{n}" for n in range(1, 16)]  # within the rate limit's burst
    for cid in sent:
        w.send({"type": "send", "client_id": cid, "body": f"message {cid}"})
    acked = set()
    try:  # read a few acks, then the process dies under the rest of the burst
        while len(acked) < 3:
            frame = w.recv(5)
            if frame and frame["type"] == "ack":
                acked.add(frame["client_id"])
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    try:
        while w.recv(1) is not None:
            pass
    except ConnectionClosed:
        pass

    _, url = server_process()  # the same workspace, restarted
    set_setting("widget_allowed_origins", [url])
    db.session.commit()
    back = Widget(url, token=w.token)
    for cid in sent:  # what the widget keeps as pending goes again, with the same ids
        back.send({"type": "send", "client_id": cid, "body": f"message {cid}"})
    ids = {cid: back.until("ack", timeout=20, client_id=cid)["id"] for cid in sent}
    back.close()

    db.session.expire_all()
    visitor = db.session.scalar(db.select(Visitor))
    stored = db.session.execute(db.select(Message.client_id, Message.id).where(
        Message.kind == "customer")).all()
    assert sorted(c for c, _ in stored) == sorted(["m-0"] + sent)  # each once
    assert {c: i for c, i in stored if c != "m-0"} == ids
    assert _count(Ticket) == 1 and visitor.ticket_id is not None
    assert _count(Customer) == 1


def test_a_catch_up_after_many_missed_replies_sends_them_all(server):
    agent = make_user()
    w = Widget(server)
    w.send({"type": "send", "client_id": "c-1", "body": "Anyone?"})
    mine = w.until("ack")["id"]
    w.close()
    ticket_id = db.session.get(Message, mine).ticket_id
    missed = [replies.post_reply(ticket_id, agent.id, f"Reply {n}", "chat").id
              for n in range(chat.PAGE + 50)]
    back = Widget(server, token=w.token, last_id=mine)
    got = [f["id"] for f in back.roundtrip() if f["type"] == "message"]
    back.close()
    assert got == missed  # every page, in order, once
