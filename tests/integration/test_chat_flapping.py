"""A visitor whose connection flaps keeps one conversation: real WebSocket clients, several
sockets of one visitor sending at once, reconnecting while the server still works through
the frames of the dropped socket. Runs on SQLite and (CI's second run) PostgreSQL."""
import threading

import pytest

from halo.extensions import db
from halo.models import Message, Ticket, Visitor
from halo.services.settings import set_setting

from .chat_helpers import Widget

VISITORS = 6
SOCKETS = 3      # of each visitor, at once
ROUNDS = 3       # connect, send a burst, drop without waiting
BURST = 4        # messages a socket sends before it drops


@pytest.fixture
def server(app, live_server):
    # Every socket here comes from 127.0.0.1 and each visitor floods on purpose: the rate
    # limits are not what this test is about (tests/integration/test_widget_guard.py).
    app.config.update(HALO_WIDGET_HELLO_LIMIT="1000 per minute", HALO_WIDGET_ADDRESS_LIMIT="10000 per minute",
                      HALO_WIDGET_VISITOR_LIMIT="10000 per minute")
    set_setting("widget_allowed_origins", [live_server])
    db.session.commit()
    return live_server


def _flap(server, token, visitor_no, socket_no, acked, errors):
    """ROUNDS times: connect, send BURST messages (some client ids shared with the other
    sockets of this visitor, as a resend after a lost ack would be), drop at once; then read
    the acks of a last burst."""
    try:
        for round_no in range(ROUNDS):
            w = Widget(server, token=token)
            for n in range(BURST):
                shared = n % 2 == 0  # every socket of this visitor sends these ids too
                cid = f"v{visitor_no}-r{round_no}-m{n}" + ("" if shared else f"-s{socket_no}")
                w.send({"type": "send", "client_id": cid, "body": f"hello {cid}"})
            w.close()  # frames are still in flight on the server: it must finish them
        w = Widget(server, token=token)
        for n in range(BURST):
            cid = f"v{visitor_no}-last-m{n}-s{socket_no}"
            w.send({"type": "send", "client_id": cid, "body": f"hello {cid}"})
            acked.append((cid, w.until("ack", timeout=20, client_id=cid)["id"]))
        w.close()
    except Exception as exc:  # reported by the test body, with the others' results
        errors.append(exc)


def test_a_flapping_visitor_keeps_one_ticket_and_every_acked_message(server):
    tokens = []
    for _ in range(VISITORS):
        w = Widget(server)
        tokens.append(w.token)
        w.close()
    acked, errors, threads = [], [], []
    for v, token in enumerate(tokens):
        for s in range(SOCKETS):
            threads.append(threading.Thread(target=_flap, args=(server, token, v, s, acked, errors)))
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not [t for t in threads if t.is_alive()], "a socket never finished"
    assert errors == []

    db.session.expire_all()
    visitors = db.session.scalars(db.select(Visitor).order_by(Visitor.id)).all()
    for v, visitor in enumerate(visitors):
        tickets = db.session.scalars(db.select(Ticket).where(
            Ticket.customer_id == visitor.customer_id)).all()
        assert [t.id for t in tickets] == [visitor.ticket_id], f"visitor {v} was split"
    # A client id is stored once, wherever its copies came in.
    doubled = db.session.execute(
        db.select(Message.client_id, db.func.count()).where(Message.kind == "customer")
        .group_by(Message.client_id).having(db.func.count() > 1)).all()
    assert doubled == []
    # Every acknowledged message is in its visitor's own catch-up.
    for v, token in enumerate(tokens):
        w = Widget(server, token=token)
        mine = {cid: mid for cid, mid in acked if cid.startswith(f"v{v}-")}
        seen = {f["id"] for f in w.roundtrip() if f["type"] == "message"}
        w.close()
        assert set(mine.values()) <= seen, f"visitor {v} cannot see some acknowledged messages"
