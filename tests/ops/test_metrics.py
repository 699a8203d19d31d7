"""/metrics: who may read it, and what it counts (requests by route, queue, email, sockets)."""
import pytest
from prometheus_client.parser import text_string_to_metric_families

import halo
from halo.blueprints.ops.hooks import allowed_networks
from halo.extensions import db
from halo.models import InboundEmail, Message, OutboundEmail
from halo.services.settings import set_setting
from tests.factories import make_customer, make_ticket, make_user


def samples(response) -> dict:
    """{(name, frozenset(labels)): value} of an exposition."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for s in family.samples}


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def test_requests_are_counted_and_timed_by_route_pattern(client):
    before = samples(client.get("/metrics"))
    for _ in range(3):
        client.get("/healthz")
    client.get("/no/such/page-123")
    after = samples(client.get("/metrics"))
    route = {"route": "/healthz", "method": "GET"}
    assert value(after, "halo_http_requests_total", status="200", **route) - \
        value(before, "halo_http_requests_total", status="200", **route) == 3
    assert value(after, "halo_http_request_duration_seconds_count", **route) - \
        value(before, "halo_http_request_duration_seconds_count", **route) == 3
    # Unknown URLs share one label, so a scanner cannot grow the series without bound.
    assert value(after, "halo_http_requests_total", route="unmatched", method="GET", status="302") + \
        value(after, "halo_http_requests_total", route="unmatched", method="GET", status="404") >= 1
    assert not any("page-123" in str(labels) for _, labels in after)


def test_email_states_and_queue_lanes_come_from_the_shared_state(client):
    ticket = make_ticket(make_customer())
    for i, state in enumerate(("pending", "done", "done", "failed", "ignored")):
        db.session.add(InboundEmail(dedupe_key=f"mid:{i}@x", source="smtp", raw=b"x", state=state))
    rows = [("sent", 1, None), ("queued", 0, None), ("queued", 2, "timeout"),
            ("failed", 1, "Bounced: mailbox unknown"), ("failed", 5, "550 refused")]
    for i, (state, attempts, error) in enumerate(rows):
        db.session.add(OutboundEmail(message_id=_message(ticket, i), state=state, attempts=attempts,
                                     last_error=error, rfc_message_id=f"<o{i}@x>", to_address="c@x",
                                     from_address="s@x", reply_to="r@x"))
    db.session.commit()
    found = samples(client.get("/metrics"))
    assert [value(found, "halo_inbound_emails", state=s) for s in ("pending", "done", "failed", "ignored")] == \
        [1, 2, 1, 1]
    assert {s: value(found, "halo_outbound_emails", state=s)
            for s in ("sent", "queued", "retrying", "bounced", "failed")} == \
        {"sent": 1, "queued": 1, "retrying": 1, "bounced": 1, "failed": 1}
    for lane in ("ingest", "mail", "default", "webhooks", "ai"):
        assert ("halo_queue_jobs", frozenset({("lane", lane)})) in found
        assert ("halo_queue_failed_jobs", frozenset({("lane", lane)})) in found
    assert value(found, "halo_build_info", version=halo.__version__) == 1


def _message(ticket, i):
    """A message of the ticket to hang outbound row i on (one outbound row per message)."""
    message = Message(ticket_id=ticket.id, body_text=f"reply {i}", kind="reply", channel="email")
    db.session.add(message)
    db.session.flush()
    return message.id


def test_only_allowed_addresses_or_the_token_may_read_metrics(client, app):
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    refused = client.get("/metrics", environ_base=outside)
    assert refused.status_code == 403 and "HALO_METRICS_ALLOW" in refused.get_json()["error"]

    app.extensions["halo_metrics_allow"] = allowed_networks("10.0.0.0/8, 203.0.113.9")
    assert client.get("/metrics", environ_base=outside).status_code == 200

    app.extensions["halo_metrics_allow"] = allowed_networks("127.0.0.0/8")
    app.config["HALO_METRICS_TOKEN"] = "s3cret-token"
    assert client.get("/metrics", environ_base=outside,
                      headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    wrong = client.get("/metrics", environ_base=outside, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"] == "Bearer"


def test_a_request_through_an_undeclared_proxy_needs_the_token(client, app):
    # The proxy connects from 127.0.0.1; without ProxyFix Halo cannot tell who is behind it.
    proxied = client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.7"})
    assert proxied.status_code == 403
    app.config["HALO_METRICS_TOKEN"] = "t0ken"
    assert client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.7",
                                           "Authorization": "Bearer t0ken"}).status_code == 200


@pytest.mark.parametrize("bad", ["10.0.0.0/33", "localhost", "1.2.3"])
def test_a_bad_allow_list_is_a_clear_error(bad):
    with pytest.raises(ValueError, match=f"HALO_METRICS_ALLOW: '{bad}' is not an address or network"):
        allowed_networks(f"127.0.0.1, {bad}")


def test_open_widget_sockets_are_counted(live_server, client):
    from tests.integration.chat_helpers import Widget
    set_setting("widget_allowed_origins", [live_server])
    make_user()
    base = value(samples(client.get("/metrics")), "halo_websockets", kind="widget")
    widget = Widget(live_server)
    widget.roundtrip()
    assert value(samples(client.get("/metrics")), "halo_websockets", kind="widget") == base + 1
    widget.close()
