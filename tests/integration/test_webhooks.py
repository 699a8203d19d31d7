"""Outgoing webhooks against a real local receiver (an HTTP server on 127.0.0.1): Standard
Webhooks signatures checked independently of Halo's code, a ticket's events in the order
they happened, retries with backoff driven by the clock, the endpoint turned off after a
day of failures with a notice to admins; redirects, hangs and refused addresses."""
import base64
import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook

from halo.extensions import db
from halo.models import Notification
from halo.models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent
from halo.services.errors import ValidationError
from halo.services.integrations.webhooks import capture, delivery, endpoints
from halo.services.tickets.status import change_status
from tests.factories import make_ticket


class Receiver:
    """A real HTTP server that records each POST and answers as told (status by call)."""

    def __init__(self):
        self.calls, self.answers, self.release = [], [], threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append((dict(self.headers), body))
                status, headers = receiver.answers.pop(0) if receiver.answers else (200, {})
                if status == "hang":
                    receiver.release.wait(10)
                    return
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if status < 300 else b"receiver says no")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def events(self):
        return [json.loads(body) for _, body in self.calls]


@pytest.fixture
def receiver(app, monkeypatch):
    monkeypatch.setitem(app.config, "HALO_OUTBOUND_ALLOW", "127.0.0.1")
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def started(monkeypatch):
    """Deliveries are driven by the test: record what would have been queued."""
    queued = []
    monkeypatch.setattr(capture, "start_deliveries", lambda e, k, delay=0: queued.append((e, k, delay)))
    return queued


def _endpoint(url, events=("*",)):
    endpoint = endpoints.create_endpoint(url, list(events), "test", None)
    return endpoint, endpoints.secret_of(endpoint)


def _verify_by_hand(secret, headers, body):
    """The Standard Webhooks check, written from the specification, not Halo's code."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    versions = dict(s.split(",", 1) for s in headers["webhook-signature"].split())
    return hmac.compare_digest(versions["v1"], expected)


def _headers(call):
    return {k.lower(): v for k, v in call[0].items()}


def test_events_arrive_signed_and_in_order(app, receiver, agent):
    endpoint, secret = _endpoint(receiver.url)
    ticket = make_ticket()
    change_status(ticket.id, "priority", agent.id)
    change_status(ticket.id, "resolved", agent.id)
    assert app.extensions["halo_queue"].idle(lanes=["webhooks"])
    kinds = [e["type"] for e in receiver.events()]
    assert kinds[:2] == ["customer.created", "ticket.created"] or kinds[0] == "ticket.created"
    ticket_kinds = [k for k in kinds if k != "customer.created"]
    assert ticket_kinds == ["ticket.created", "message.created", "ticket.status_changed",
                            "ticket.status_changed"]
    changes = [e["data"]["change"] for e in receiver.events() if e["type"] == "ticket.status_changed"]
    assert changes == [{"from": "open", "to": "priority"}, {"from": "priority", "to": "resolved"}]
    for call in receiver.calls:
        headers = _headers(call)
        assert _verify_by_hand(secret, headers, call[1])
        Webhook(secret).verify(call[1], headers)  # the recipe the README gives receivers
        assert headers["content-type"] == "application/json"
        event_id = int(headers["webhook-id"].removeprefix("msg_"))
        assert db.session.get(WebhookEvent, event_id).type == json.loads(call[1])["type"]
    db.session.expire_all()
    states = db.session.scalars(db.select(WebhookDelivery.state)).all()
    assert set(states) == {"delivered"} and len(states) == len(receiver.calls)
    log = endpoints.deliveries(endpoint.id)
    assert all(d.response_status == 200 and d.latency_ms is not None for d in log)


def test_only_subscribed_types_and_nothing_without_endpoints(app, receiver, agent):
    ticket = make_ticket()
    assert db.session.scalar(db.select(db.func.count()).select_from(WebhookEvent)) == 0
    _endpoint(receiver.url, events=["ticket.status_changed"])
    change_status(ticket.id, "resolved", agent.id)
    make_ticket()
    assert app.extensions["halo_queue"].idle(lanes=["webhooks"])
    assert [e["type"] for e in receiver.events()] == ["ticket.status_changed"]


def test_a_rolled_back_change_sends_nothing(receiver, started):
    _endpoint(receiver.url)
    ticket = make_ticket()
    started.clear()
    ticket.subject = "changed"
    db.session.add(WebhookEvent(type="x", order_key="x", payload={}))
    db.session.rollback()
    assert started == []


def test_retries_back_off_and_hold_the_tickets_order(receiver, started, frozen, agent):
    endpoint, secret = _endpoint(receiver.url, events=["ticket.status_changed"])
    ticket = make_ticket()
    change_status(ticket.id, "priority", agent.id)
    change_status(ticket.id, "in_progress", agent.id)
    key = f"ticket:{ticket.id}"
    receiver.answers = [(500, {}), (503, {})]
    assert delivery.deliver_key(endpoint.id, key) == 1  # the first failed: the second waits
    assert len(receiver.calls) == 1
    first, second = db.session.scalars(db.select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    assert (first.state, first.attempts, first.response_status) == ("pending", 1, 500)
    assert first.next_attempt_at == frozen.start + timedelta(seconds=5)
    assert first.response_excerpt == "receiver says no" and "500" in first.error
    assert second.attempts == 0
    assert started[-1] == (endpoint.id, key, 5)  # the retry is queued for its time
    assert delivery.deliver_key(endpoint.id, key) == 0  # not yet due: nothing is sent
    frozen(frozen.start + timedelta(seconds=5))
    assert delivery.due_keys() == [(endpoint.id, key)]
    assert delivery.deliver_key(endpoint.id, key) == 1
    db.session.expire_all()
    assert first.next_attempt_at == frozen.start + timedelta(seconds=5 + 300)
    frozen(frozen.start + timedelta(seconds=305))
    assert delivery.deliver_key(endpoint.id, key) == 2  # the first, then the one behind it
    orders = [json.loads(b)["data"]["change"]["to"] for _, b in receiver.calls]
    assert orders == ["priority", "priority", "priority", "in_progress"]
    ids = [_headers(c)["webhook-id"] for c in receiver.calls]
    assert ids[0] == ids[1] == ids[2] != ids[3]  # a retry is the same message
    stamps = [int(_headers(c)["webhook-timestamp"]) for c in receiver.calls]
    assert stamps[1] - stamps[0] == 5 and stamps[2] - stamps[1] == 300
    assert all(_verify_by_hand(secret, _headers(c), c[1]) for c in receiver.calls)
    db.session.expire_all()
    assert db.session.get(WebhookEndpoint, endpoint.id).failing_since is None


def test_a_day_of_failures_turns_the_endpoint_off_and_tells_admins(receiver, started, frozen, admin, agent):
    endpoint, _ = _endpoint(receiver.url, events=["ticket.status_changed"])
    ticket = make_ticket()
    change_status(ticket.id, "priority", agent.id)
    key, now = f"ticket:{ticket.id}", frozen.start
    receiver.answers = [(500, {})] * len(delivery.RETRY_AFTER + (0,))
    for wait in delivery.RETRY_AFTER + (None,):
        assert delivery.deliver_key(endpoint.id, key) == 1
        if wait is not None:
            now = frozen(now + timedelta(seconds=wait))
    assert len(receiver.calls) == delivery.MAX_ATTEMPTS
    assert now - frozen.start > timedelta(hours=24)
    db.session.expire_all()
    row = db.session.scalar(db.select(WebhookDelivery))
    assert row.state == "failed" and row.attempts == delivery.MAX_ATTEMPTS
    off = db.session.get(WebhookEndpoint, endpoint.id)
    assert off.active is False and "500" in off.disabled_reason
    notice = db.session.scalar(db.select(Notification).where(Notification.user_id == admin.id))
    assert notice.kind == "webhook" and receiver.url[:40] in notice.text
    assert db.session.scalar(db.select(Notification).where(Notification.user_id == agent.id)) is None
    change_status(ticket.id, "resolved", agent.id)  # off: nothing more is written for it
    assert db.session.scalar(db.select(db.func.count()).select_from(WebhookDelivery)) == 1


def test_a_redirect_is_not_followed(receiver, started, agent):
    endpoint, _ = _endpoint(receiver.url, events=["ticket.status_changed"])
    ticket = make_ticket()
    change_status(ticket.id, "resolved", agent.id)
    receiver.answers = [(302, {"Location": "http://127.0.0.1:9/internal"})]
    delivery.deliver_key(endpoint.id, f"ticket:{ticket.id}")
    row = db.session.scalar(db.select(WebhookDelivery))
    assert row.state == "pending" and row.response_status == 302
    assert "not followed" in row.error and len(receiver.calls) == 1


def test_a_receiver_that_hangs_is_cut_off(receiver, started, agent, monkeypatch):
    monkeypatch.setattr(delivery, "TIMEOUT", 0.5)
    endpoint, _ = _endpoint(receiver.url, events=["ticket.status_changed"])
    ticket = make_ticket()
    change_status(ticket.id, "resolved", agent.id)
    receiver.answers = [("hang", {})]
    delivery.deliver_key(endpoint.id, f"ticket:{ticket.id}")
    row = db.session.scalar(db.select(WebhookDelivery))
    assert row.state == "pending" and "timed out" in row.error and row.response_status is None


def test_loopback_and_metadata_urls_are_refused_without_the_allow_list(app, monkeypatch):
    monkeypatch.setitem(app.config, "HALO_OUTBOUND_ALLOW", "")
    for url in ("http://127.0.0.1:8080/x", "http://169.254.169.254/latest/meta-data",
                "http://[::1]/x", "ftp://example.com/x", "http://user:pw@example.com/x"):
        with pytest.raises(ValidationError):
            endpoints.create_endpoint(url, ["*"], "", None)
    assert db.session.scalar(db.select(db.func.count()).select_from(WebhookEndpoint)) == 0


def test_an_address_refused_at_delivery_is_logged_and_retried(app, receiver, started, agent, monkeypatch):
    endpoint, _ = _endpoint(receiver.url, events=["ticket.status_changed"])
    ticket = make_ticket()
    change_status(ticket.id, "resolved", agent.id)
    monkeypatch.setitem(app.config, "HALO_OUTBOUND_ALLOW", "")  # as if DNS now pointed inside
    delivery.deliver_key(endpoint.id, f"ticket:{ticket.id}")
    row = db.session.scalar(db.select(WebhookDelivery))
    assert row.state == "pending" and row.error and receiver.calls == []


def test_redeliver_sends_the_same_message_again(receiver, started, agent):
    endpoint, _ = _endpoint(receiver.url, events=["ticket.status_changed"])
    ticket = make_ticket()
    change_status(ticket.id, "resolved", agent.id)
    key = f"ticket:{ticket.id}"
    delivery.deliver_key(endpoint.id, key)
    first = db.session.scalar(db.select(WebhookDelivery))
    again = endpoints.redeliver(first.id)
    assert started[-1][:2] == (endpoint.id, key)
    delivery.deliver_key(endpoint.id, key)
    assert len(receiver.calls) == 2
    assert _headers(receiver.calls[0])["webhook-id"] == _headers(receiver.calls[1])["webhook-id"]
    assert db.session.get(WebhookDelivery, again.id).state == "delivered"
