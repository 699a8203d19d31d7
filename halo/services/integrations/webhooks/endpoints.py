"""Webhook endpoints: the URLs admins subscribe, the event types each wants, their secrets.

A URL is checked when it is saved (http or https, a host that netguard would connect to:
no loopback, private or metadata address unless HALO_OUTBOUND_ALLOW lists it) and again
at every delivery, after DNS, since a name can change what it points at.
"""
import base64
import secrets
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import gettext
from sqlalchemy import select

from halo import clock
from halo.extensions import db
from halo.models import User
from halo.models.webhooks import WebhookDelivery, WebhookEndpoint
from halo.services import netguard
from halo.services.email import sealed
from halo.services.errors import NotFound, ValidationError
from halo.services.integrations.webhooks import capture
from halo.services.tickets.notifications import notify

MAX_URL = 2000


def new_secret() -> str:
    """A Standard Webhooks secret: whsec_ and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def check_url(url: str) -> str:
    """The URL, or ValidationError saying why Halo will not call it."""
    url = (url or "").strip()
    if not url or len(url) > MAX_URL:
        raise ValidationError(gettext("Give the endpoint's URL (up to %(MAX_URL)s characters).", MAX_URL=MAX_URL))
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(gettext("The endpoint's URL must start with https:// (or http://)."))
    if parts.username or parts.password:
        raise ValidationError(gettext("Put credentials in the URL's path or query, not before the host."))
    try:
        netguard.check_host(parts.hostname)
    except netguard.OutboundError as exc:
        raise ValidationError(gettext("Halo will not call that URL: %(exc)s", exc=exc)) from None
    return url


def check_events(events: list[str]) -> list[str]:
    events = sorted(set(events or ()))
    if not events:
        raise ValidationError(gettext("Choose at least one event."))
    unknown = [e for e in events if e != "*" and e not in capture.EVENT_TYPES]
    if unknown:
        raise ValidationError(gettext("Unknown event %(value)s: use one of %(join)s.", value=f'{unknown[0]!r}', join=', '.join(capture.EVENT_TYPES)))
    return ["*"] if "*" in events else events


def create_endpoint(url: str, events: list[str], description: str, creator_id: int | None,
                    now: datetime | None = None) -> WebhookEndpoint:
    """Subscribe a URL to events; its secret is made here."""
    endpoint = WebhookEndpoint(url=check_url(url), events=check_events(events),
                               description=(description or "").strip()[:200],
                               secret_sealed=sealed.seal(new_secret()), active=True,
                               created_by_id=creator_id, created_at=now or clock.now())
    db.session.add(endpoint)
    db.session.commit()
    capture.forget_endpoints()
    return endpoint


def get_endpoint(endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound(gettext("That webhook endpoint does not exist."))
    return endpoint


def list_endpoints() -> list[WebhookEndpoint]:
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def secret_of(endpoint: WebhookEndpoint) -> str:
    """The endpoint's whsec_ secret, unsealed."""
    return sealed.unseal(endpoint.secret_sealed)


def update_endpoint(endpoint_id: int, url: str, events: list[str], description: str,
                    active: bool, bridge: bool = False) -> WebhookEndpoint:
    """Change an endpoint; turning it back on clears why it was off, and its waiting
    deliveries go out again (the sweep picks them up). A bridge's endpoint (an API
    channel's) takes no events."""
    endpoint = get_endpoint(endpoint_id)
    # An API channel's endpoint (bridge) takes the channel's replies, not events.
    endpoint.url, endpoint.events = check_url(url), [] if bridge else check_events(events)
    endpoint.description = (description or "").strip()[:200]
    if active and not endpoint.active:
        endpoint.disabled_reason, endpoint.failing_since = None, None
    endpoint.active = active
    db.session.commit()
    capture.forget_endpoints()
    return endpoint


def rotate_secret(endpoint_id: int) -> WebhookEndpoint:
    endpoint = get_endpoint(endpoint_id)
    endpoint.secret_sealed = sealed.seal(new_secret())
    db.session.commit()
    return endpoint


def delete_endpoint(endpoint_id: int) -> None:
    db.session.delete(get_endpoint(endpoint_id))
    db.session.commit()
    capture.forget_endpoints()


def disable_endpoint(endpoint: WebhookEndpoint, reason: str) -> None:
    """Stop sending to an endpoint that keeps failing, and tell every admin (no commit)."""
    endpoint.active, endpoint.disabled_reason = False, reason[:300]
    admins = db.session.scalars(select(User.id).where(User.role == "admin", User.active.is_(True)))
    for admin_id in admins:
        notify(admin_id, None, "webhook", f"Webhook to {endpoint.url[:120]} was turned off: {reason}"[:300])
    capture.forget_endpoints()


def deliveries(endpoint_id: int, limit: int = 100) -> list[WebhookDelivery]:
    """The endpoint's delivery log, newest first."""
    return list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
                                   .order_by(WebhookDelivery.id.desc()).limit(limit)).unique())


def redeliver(delivery_id: int, now: datetime | None = None) -> WebhookDelivery:
    """Send an event to its endpoint once more (same webhook-id: receivers can tell it is
    the same message), after whatever that ticket's deliveries are waiting on."""
    old = db.session.get(WebhookDelivery, delivery_id)
    if old is None:
        raise NotFound(gettext("That delivery does not exist."))
    now = now or clock.now()
    again = WebhookDelivery(endpoint_id=old.endpoint_id, event_id=old.event_id,
                            order_key=old.order_key, state="pending", next_attempt_at=now,
                            created_at=now)
    db.session.add(again)
    db.session.commit()
    if capture.start_deliveries is not None:
        capture.start_deliveries(again.endpoint_id, again.order_key)
    return again


