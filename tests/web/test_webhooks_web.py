"""Settings > Webhooks: admins add a URL (refused with the reason when Halo will not call
it), see its secret and delivery log, redeliver, turn it off; agents cannot."""
import re

from halo.extensions import db
from halo.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from halo.services.integrations.webhooks import endpoints


def test_add_a_webhook_and_see_its_secret(as_admin, app, monkeypatch):
    monkeypatch.setitem(app.config, "HALO_OUTBOUND_ALLOW", "127.0.0.1")
    response = as_admin.post("/settings/webhooks", {"url": "http://127.0.0.1:9/hooks",
                                                     "events": ["ticket.created", "message.created"]})
    assert response.status_code == 303
    endpoint = db.session.scalar(db.select(WebhookEndpoint))
    assert endpoint.events == ["message.created", "ticket.created"]
    page = as_admin.get(response.location).get_data(as_text=True)
    secret = re.search(r'id="webhook-secret">(whsec_[^<]+)<', page).group(1)
    assert secret == endpoints.secret_of(endpoint) and secret not in endpoint.secret_sealed


def test_a_url_halo_will_not_call_is_refused_with_the_reason(as_admin):
    response = as_admin.post("/settings/webhooks", {"url": "http://169.254.169.254/latest", "events": ["*"]})
    assert response.status_code == 400
    assert "will not call" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(WebhookEndpoint)) == 0


def test_redeliver_from_the_log_and_turn_off(as_admin, app, monkeypatch):
    monkeypatch.setitem(app.config, "HALO_OUTBOUND_ALLOW", "127.0.0.1")
    endpoint = endpoints.create_endpoint("http://127.0.0.1:9/hooks", ["*"], "", None)
    event = WebhookEvent(type="ticket.created", order_key="ticket:1", payload={"type": "ticket.created"})
    db.session.add(event)
    db.session.flush()
    old = WebhookDelivery(endpoint_id=endpoint.id, event_id=event.id, order_key="ticket:1",
                          state="failed", attempts=8, response_status=500, error="The receiver answered 500.")
    db.session.add(old)
    db.session.commit()
    endpoint_id, old_id = endpoint.id, old.id
    page = as_admin.get(f"/settings/webhooks/{endpoint_id}").get_data(as_text=True)
    assert "The receiver answered 500." in page and f"delivery-{old_id}" in page
    app.extensions["halo_queue"].idle(lanes=["webhooks"])
    assert as_admin.post(f"/settings/webhooks/deliveries/{old_id}/redeliver").status_code == 303
    assert db.session.scalar(db.select(db.func.count()).select_from(WebhookDelivery)) == 2
    app.extensions["halo_queue"].idle(lanes=["webhooks"])
    as_admin.post(f"/settings/webhooks/{endpoint_id}", {"url": "http://127.0.0.1:9/hooks", "events": ["*"]})
    db.session.expire_all()
    assert db.session.get(WebhookEndpoint, endpoint_id).active is False


def test_agents_cannot_reach_webhooks(as_agent):
    assert as_agent.get("/settings/webhooks").status_code == 403
    assert as_agent.post("/settings/webhooks", {"url": "https://example.com/x", "events": ["*"]}).status_code == 403
