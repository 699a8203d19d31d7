"""The widget socket's guards, with real WebSocket clients against a served Halo: a hello
is checked field by field and writes nothing; rate limits are the visitor's and the
address's, never the connection's (shared by processes through Redis); tokens expire,
renew on use and are revoked by a block."""
import os
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from simple_websocket import ConnectionClosed
from simple_websocket import ConnectionError as HandshakeRefused

from halo.extensions import db
from halo.models import Customer, Message, Ticket, Visitor
from halo.services import chat
from halo.services.access import inboxes
from halo.services.chat.throttle import Throttle
from halo.services.settings import set_setting
from tests.factories import make_user

from .chat_helpers import Widget, refused


@pytest.fixture
def server(live_server):
    set_setting("widget_allowed_origins", [live_server])
    # The default inbox exists on every installed Halo (migration 0011 makes it); made here
    # because each test starts from empty tables, so first messages sent at once do not
    # race to make it.
    inboxes.default_inbox_id()
    db.session.commit()
    return live_server


def _count(model):
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _rows():
    return _count(Visitor), _count(Customer), _count(Ticket), _count(Message)


def _answers(w, client_ids, timeout=10.0):
    """{client_id: "ack" | "rate_limited"} once every one of client_ids is answered."""
    got = {}
    while len(got) < len(client_ids):
        frame = w.recv(timeout)
        assert frame is not None, f"unanswered: {set(client_ids) - set(got)}"
        if frame.get("client_id") in client_ids and frame["type"] in ("ack", "error"):
            got[frame["client_id"]] = "ack" if frame["type"] == "ack" else frame["code"]
    return got


def _closed(w, frames=50):
    """(code, reason) once the server closes w; fails if it keeps talking or goes quiet."""
    try:
        for _ in range(frames):
            assert w.recv(5) is not None, "the socket stayed open"
    except ConnectionClosed:
        return w.ws.close_reason, w.ws.close_message
    raise AssertionError("the socket stayed open")


HELLO = {"type": "hello", "token": None, "last_id": 0}


@pytest.mark.parametrize("frame, reason", [
    ({**HELLO, "token": 17}, "hello token must be a string or null"),
    ({**HELLO, "token": 1.5e300}, "hello token must be a string or null"),
    ({**HELLO, "token": ["a"]}, "hello token must be a string or null"),
    ({**HELLO, "token": {"v": "x"}}, "hello token must be a string or null"),
    ({**HELLO, "token": "x" * 600}, "hello token longer than 512 characters"),
    ({"type": "hello", "last_id": 0}, "hello needs a token (a string, or null for a new visitor)"),
    ({"type": "hello", "token": None}, "hello needs last_id (0 for none)"),
    ({**HELLO, "last_id": "5"}, "hello last_id must be a whole number from 0 to 9007199254740991"),
    ({**HELLO, "last_id": -1}, "hello last_id must be a whole number from 0 to 9007199254740991"),
    ({**HELLO, "last_id": True}, "hello last_id must be a whole number from 0 to 9007199254740991"),
    ({**HELLO, "last_id": 2.5}, "hello last_id must be a whole number from 0 to 9007199254740991"),
    ({**HELLO, "last_id": 2 ** 64}, "hello last_id must be a whole number from 0 to 9007199254740991"),
    ({**HELLO, "workspace": 17}, "hello workspace must be a string"),
    ({**HELLO, "padding": "x" * 3000}, "hello larger than 2048 bytes"),
    ({"type": "send", "client_id": "c-1", "body": "hi"}, "expected hello"),
    ({"token": None, "last_id": 0}, "expected hello"),
    ("not json", "hello must be a JSON object"),
    ("[1, 2]", "hello must be a JSON object"),
    ("[" * 1020 + "]" * 1020, "hello must be a JSON object"),  # deeper than the parser goes
])
def test_a_malformed_hello_closes_1008_with_the_reason_and_writes_nothing(server, frame, reason):
    assert refused(server, frame) == (1008, reason)
    assert _rows() == (0, 0, 0, 0)
    w = Widget(server)  # the server is fine
    w.close()


def test_a_hello_for_another_workspace_is_refused(server):
    set_setting("widget_workspace", "ws-1")
    db.session.commit()
    assert refused(server, {**HELLO, "workspace": "ws-2"}) == (1008, "unknown workspace")
    Widget(server, workspace="ws-1").close()


def test_a_fault_in_the_handler_closes_1011_never_an_http_500(server, monkeypatch):
    def broken(*_args, **_kw):
        raise RuntimeError("the database went away")
    monkeypatch.setattr(chat, "open_session", broken)
    assert refused(server, HELLO) == (1011, "server error")


def test_a_hundred_token_less_hellos_write_no_rows_until_a_message(app, server):
    app.config.update(HALO_WIDGET_HELLO_LIMIT="1000 per minute", HALO_WIDGET_ADDRESS_LIMIT="1000 per minute")
    tokens = set()
    for _ in range(100):
        w = Widget(server)
        assert w.welcome["new"] is True and w.welcome["visitor"] is None
        assert not [f for f in w.roundtrip() if f["type"] == "message"]
        tokens.add(w.token)
        w.close()
    assert len(tokens) == 100
    assert _rows() == (0, 0, 0, 0)
    back = Widget(server, token=sorted(tokens)[0])  # a pending token keeps its key
    assert back.welcome["new"] is False and back.welcome["visitor"] is None
    back.send({"type": "identify", "email": "ann@example.com", "name": "Ann"})
    assert back.until("identified")["verified"] is False
    assert _rows() == (0, 0, 0, 0)  # an identify waits for the first message too
    back.send({"type": "send", "client_id": "c-1", "body": "Hello"})
    back.until("ack", client_id="c-1")
    assert _rows() == (1, 1, 1, 1)
    customer = db.session.scalar(db.select(Customer))
    assert (customer.email, customer.claimed_email, customer.name) == (None, "ann@example.com", "Ann")
    visitor = db.session.scalar(db.select(Visitor))
    assert visitor.connections == 1
    again = Widget(server, token=back.token)
    assert again.welcome["visitor"] == visitor.id and again.welcome["new"] is False
    assert [f["body"] for f in again.roundtrip() if f["type"] == "message"] == ["Hello"]
    back.close(), again.close()


def test_two_sockets_of_one_new_visitor_store_it_once(server):
    a = Widget(server)
    b = Widget(server, token=a.token)
    start = threading.Barrier(2)

    def first(w, cid):
        start.wait()
        w.send({"type": "send", "client_id": cid, "body": f"from {cid}"})
    threads = [threading.Thread(target=first, args=(w, cid)) for w, cid in ((a, "a-1"), (b, "b-1"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    a.until("ack", client_id="a-1"), b.until("ack", client_id="b-1")
    a.roundtrip(), b.roundtrip()
    assert _rows() == (1, 1, 1, 2)
    assert db.session.scalar(db.select(Visitor.connections)) == 2  # each counted before its ack
    a.close(), b.close()


def test_thirty_sockets_on_one_token_share_one_visitors_allowance(app, server):
    app.config.update(HALO_WIDGET_VISITOR_LIMIT="25 per hour", HALO_WIDGET_ADDRESS_LIMIT="10000 per hour",
                      HALO_WIDGET_HELLO_LIMIT="1000 per minute")
    first = Widget(server)
    first.send({"type": "send", "client_id": "first", "body": "hi"})
    first.until("ack", client_id="first")
    sockets = [Widget(server, token=first.token) for _ in range(30)]
    for n, w in enumerate(sockets):
        for k in range(4):
            w.send({"type": "send", "client_id": f"s{n}-{k}", "body": f"flood {n}.{k}"})
    answers = {}
    for n, w in enumerate(sockets):
        answers.update(_answers(w, {f"s{n}-{k}" for k in range(4)}))
    assert list(answers.values()).count("ack") == 24  # 25 frames an hour, one spent on "first"
    assert list(answers.values()).count("rate_limited") == 96
    assert _count(Message) == 25 and _count(Visitor) == 1
    for w in sockets + [first]:
        w.close()


def test_an_address_shares_one_allowance_among_its_visitors(app, server):
    app.config.update(HALO_WIDGET_VISITOR_LIMIT="1000 per hour", HALO_WIDGET_ADDRESS_LIMIT="10 per hour")
    widgets = [Widget(server) for _ in range(3)]
    answers = {}
    for n, w in enumerate(widgets):
        ids = {f"v{n}-{k}" for k in range(5)}
        for cid in sorted(ids):
            w.send({"type": "send", "client_id": cid, "body": "hello"})
        answers.update(_answers(w, ids))
    assert list(answers.values()).count("ack") == 10 and _count(Message) == 10
    for w in widgets:
        w.close()


def test_new_visitors_and_new_sockets_are_limited_per_address(app, server):
    app.config.update(HALO_WIDGET_NEW_VISITOR_LIMIT="2 per hour", HALO_WIDGET_HELLO_LIMIT="4 per hour")
    widgets = [Widget(server) for _ in range(3)]
    for n, w in enumerate(widgets):
        w.send({"type": "send", "client_id": f"c-{n}", "body": "hello"})
    got = [_answers(w, {f"c-{n}"})[f"c-{n}"] for n, w in enumerate(widgets)]
    assert sorted(got) == ["ack", "ack", "rate_limited"]  # whichever socket's thread came last
    assert (_count(Visitor), _count(Customer)) == (2, 2)
    Widget(server).close()  # the fourth socket this hour
    assert refused(server, HELLO) == (1013, "too many new connections: try again later")
    for w in widgets:
        w.close()


def test_an_expired_token_starts_afresh_and_a_used_one_is_renewed(app, server, frozen):
    app.config["HALO_WIDGET_TOKEN_MAX_AGE"] = 3600
    w = Widget(server)
    w.send({"type": "send", "client_id": "c-1", "body": "Where is my order?"})
    w.until("ack")
    w.close()
    frozen(frozen.start + timedelta(minutes=59))
    used = Widget(server, token=w.token)  # used within the hour: a renewed token
    assert used.welcome["new"] is False and used.token != w.token
    used.close()
    frozen(frozen.start + timedelta(minutes=61))
    stale = Widget(server, token=w.token)
    assert stale.welcome["new"] is True and stale.token != w.token
    assert not [f for f in stale.roundtrip() if f["type"] == "message"]
    stale.close()
    renewed = Widget(server, token=used.token)  # 2 minutes old
    assert renewed.welcome["new"] is False
    assert [f["body"] for f in renewed.roundtrip() if f["type"] == "message"] == ["Where is my order?"]
    renewed.close()


def test_a_blocked_visitor_is_closed_and_turned_away(server):
    agent = make_user()
    a = Widget(server)
    a.send({"type": "send", "client_id": "c-1", "body": "spam spam"})
    ticket_id = db.session.get(Message, a.until("ack")["id"]).ticket_id
    b = Widget(server, token=a.token)
    b.roundtrip()
    chat.block_visitor(ticket_id, agent.id)
    for w in (a, b):
        assert _closed(w) == (1008, "blocked")
    assert refused(server, {**HELLO, "token": a.token}) == (1008, "blocked")
    fresh = Widget(server)  # the same browser without its token is a stranger again
    assert fresh.welcome["new"] is True
    fresh.close()
    chat.unblock_visitor(ticket_id, agent.id)
    back = Widget(server, token=a.token)
    assert [f["body"] for f in back.roundtrip() if f["type"] == "message"] == ["spam spam"]
    back.close()


@pytest.fixture
def two_limited_servers(app):
    """Two Halo processes sharing one real Redis, with a small per-visitor limit."""
    redis = os.environ.get("HALO_TEST_REDIS_URL")
    if not redis:
        pytest.skip("HALO_TEST_REDIS_URL is not set (needs a real Redis)")
    Throttle(redis).reset()
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=redis,
               SECRET_KEY=app.config["SECRET_KEY"], HALO_WIDGET_VISITOR_LIMIT="6 per hour")
    procs = [subprocess.Popen([sys.executable, "-m", "tests.integration.chat_server"], env=env,
                              stdout=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        urls = [p.stdout.readline().strip() for p in procs]
        assert all(urls), "a server process exited before serving"
        yield urls
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)
            p.stdout.close()
        Throttle(redis).reset()


def test_processes_sharing_redis_share_the_visitors_allowance(two_limited_servers):
    one, two = two_limited_servers
    set_setting("widget_allowed_origins", [one, two])
    db.session.commit()
    a = Widget(one)
    b = Widget(two, token=a.token)
    a_ids, b_ids = {f"a-{k}" for k in range(5)}, {f"b-{k}" for k in range(5)}
    for cid in sorted(a_ids):
        a.send({"type": "send", "client_id": cid, "body": cid})
    got = _answers(a, a_ids)
    for cid in sorted(b_ids):
        b.send({"type": "send", "client_id": cid, "body": cid})
    got.update(_answers(b, b_ids))
    assert list(got.values()).count("ack") == 6 and _count(Message) == 6
    a.close(), b.close()


def test_a_refused_origin_still_gets_no_socket(server):
    with pytest.raises(HandshakeRefused):
        Widget(server, origin="https://evil.example")


def test_a_refusal_ends_with_the_close_frame_and_nothing_after_it(server):
    """The bytes on the wire: after the server's close frame and the client's answer comes
    the end of the connection, never an HTTP response a browser would read as a broken
    frame (it reported 1006 and lost the code)."""
    import base64
    import json
    import socket
    from urllib.parse import urlsplit
    host, port = urlsplit(server).hostname, urlsplit(server).port
    with socket.create_connection((host, port), timeout=10) as raw:
        key = base64.b64encode(os.urandom(16)).decode()
        raw.sendall((f"GET /ws/widget HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                     f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                     f"Origin: {server}\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += raw.recv(1)
        assert head.startswith(b"HTTP/1.1 101")

        def masked(opcode, payload):
            mask = os.urandom(4)
            return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + \
                bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        raw.sendall(masked(0x1, json.dumps({**HELLO, "token": 17}).encode()))
        reason = b"hello token must be a string or null"
        close = b""
        while len(close) < 4 + len(reason):
            close += raw.recv(64)
        assert close == bytes([0x88, 2 + len(reason), 0x03, 0xF0]) + reason  # 1008
        raw.sendall(masked(0x8, bytes([0x03, 0xF0])))  # the client's answer
        rest = b""
        while chunk := raw.recv(4096):
            rest += chunk
        assert rest == b""
