"""A breach goes out as an sla.breached webhook to a real local receiver (clock injected)."""
from datetime import datetime, timedelta

from halo import clock
from halo.services.integrations.webhooks import endpoints
from halo.services.service_levels import policies, sla
from tests.factories import make_ticket
from tests.integration.test_webhooks import Receiver

FRIDAY_NINE = datetime(2026, 12, 4, 9, 0)


def test_a_breach_reaches_the_endpoint_once(app, monkeypatch):
    monkeypatch.setitem(app.config, "HALO_OUTBOUND_ALLOW", "127.0.0.1")
    receiver = Receiver()
    try:
        endpoints.create_endpoint(receiver.url, ["sla.breached"], "test", None)
        policies.save_policy(None, {"name": "Standard", "first_response": "1 h"})
        clock.set_now(FRIDAY_NINE)
        ticket = make_ticket(now=FRIDAY_NINE)
        sla.check(FRIDAY_NINE + timedelta(minutes=30))
        assert app.extensions["halo_queue"].idle(lanes=["webhooks"]) and receiver.events() == []
        late = FRIDAY_NINE + timedelta(minutes=61)
        clock.set_now(late)
        assert sla.check(late)["breached"] == 1
        sla.check(late + timedelta(minutes=1))  # the same breach is not sent again
        assert app.extensions["halo_queue"].idle(lanes=["webhooks"])
        events = receiver.events()
        assert [e["type"] for e in events] == ["sla.breached"]
        data = events[0]["data"]
        assert data["ticket_id"] == ticket.id and data["clock"] == "first_response"
        assert data["due_at"] == "2026-12-04T10:00:00Z" and data["policy"] == "Standard"
        assert data["breached_at"] == "2026-12-04T10:01:00Z" and data["ticket"]["id"] == ticket.id
    finally:
        receiver.close()
