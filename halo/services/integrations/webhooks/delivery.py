"""Sending webhook deliveries: in order per ticket (or customer), signed, retried, bounded.

One job works through the deliveries of one (endpoint, order key) in id order: the next
one goes only once the one before it has been delivered or has given up, so a receiver
sees a ticket's events in the order they happened. A delivery is claimed with a
conditional UPDATE before it is sent, so two workers never send the same attempt.
Failures wait RETRY_AFTER[n] before attempt n+2 (the Standard Webhooks schedule: a little
over a day in all); a delivery that fails them all is marked failed, and its endpoint is
turned off with a notice to admins when it has not succeeded since (FAIL_AFTER).

Sending goes through netguard: the host resolved once and every address checked, no
redirect followed (a 3xx is a failure that names where it pointed), a deadline for the
whole exchange and a bounded answer, of which an excerpt is kept for the log.
"""
import json
import logging
import math
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select, update
from standardwebhooks import Webhook

from halo import clock
from halo.extensions import db
from halo.models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent
from halo.services import netguard
from halo.services.integrations import api_channel
from halo.services.integrations.webhooks import capture, endpoints

log = logging.getLogger(__name__)
# Seconds to wait after attempt 1, 2, ...: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
RETRY_AFTER = (5, 300, 1800, 7200, 18000, 36000, 36000)
MAX_ATTEMPTS = len(RETRY_AFTER) + 1
TIMEOUT = 10.0
MAX_ANSWER = 64 * 1024
EXCERPT = 1000
STALE_CLAIM = timedelta(minutes=5)  # a "sending" row older than this lost its worker
FAIL_AFTER = timedelta(hours=24)
USER_AGENT = "Halo-Webhooks/1"


def message_id(delivery: WebhookDelivery) -> str:
    """webhook-id: one per event, the same on every retry and redelivery."""
    return f"msg_{delivery.event_id}"


def signed_headers(secret: str, msg_id: str, at: datetime, body: str) -> dict:
    """The Standard Webhooks headers for body, signed with secret (whsec_...)."""
    unix = math.floor(at.replace(tzinfo=timezone.utc).timestamp())  # as Webhook.sign reads it
    return {"webhook-id": msg_id, "webhook-timestamp": str(unix),
            "webhook-signature": Webhook(secret).sign(msg_id, at, body),
            "Content-Type": "application/json", "User-Agent": USER_AGENT}


def deliver_key(endpoint_id: int, order_key: str, now_fn=clock.now) -> int:
    """Send the due deliveries of one endpoint and key, oldest first; returns how many went."""
    sent = 0
    while True:
        now = now_fn()
        head = db.session.scalar(
            select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id,
                                          WebhookDelivery.order_key == order_key,
                                          WebhookDelivery.state.in_(("pending", "sending")))
            .order_by(WebhookDelivery.id).limit(1))
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        if head is None or endpoint is None or not endpoint.active:
            db.session.commit()
            return sent
        if head.state == "sending" and head.last_attempt_at and head.last_attempt_at > now - STALE_CLAIM:
            db.session.commit()
            return sent  # another worker is on it
        if head.next_attempt_at is not None and head.next_attempt_at > now:
            db.session.commit()
            return sent  # waiting for its retry time; everything after it waits too
        if not _claim(head, now):
            return sent
        _attempt(head.id, endpoint_id, now_fn)
        sent += 1


def _claim(head: WebhookDelivery, now: datetime) -> bool:
    claimed = db.session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id == head.id, WebhookDelivery.state == head.state,
                                      WebhookDelivery.attempts == head.attempts)
        .values(state="sending", attempts=WebhookDelivery.attempts + 1, last_attempt_at=now)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return bool(claimed)


def _attempt(delivery_id: int, endpoint_id: int, now_fn) -> None:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    body = json.dumps(delivery.event.payload, separators=(",", ":"), ensure_ascii=False)
    sent_at = now_fn()
    headers = signed_headers(endpoints.secret_of(endpoint), message_id(delivery), sent_at, body)
    url = endpoint.url
    db.session.commit()  # no transaction (nor SQLite snapshot) held while the receiver answers
    started = time.monotonic()
    status, excerpt, error = None, None, None
    try:
        answer = netguard.http_request("POST", url, body=body.encode(), headers=headers,
                                       timeout=TIMEOUT, max_bytes=MAX_ANSWER)
        status, excerpt = answer.status, answer.body[:EXCERPT].decode("utf-8", "replace")
        if answer.location:
            error = f"Redirect to {answer.location[:300]} not followed: give the final URL."
        elif not 200 <= answer.status < 300:
            error = f"The receiver answered {answer.status} {answer.reason}."
    except netguard.OutboundError as exc:
        error = str(exc)
    latency = int((time.monotonic() - started) * 1000)
    _record(delivery_id, endpoint_id, status, latency, excerpt, error, now_fn())


def _record(delivery_id, endpoint_id, status, latency, excerpt, error, now) -> None:
    retry_in = None
    delivery = db.session.get(WebhookDelivery, delivery_id)
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    delivery.response_status, delivery.latency_ms = status, latency
    delivery.response_excerpt, delivery.error = excerpt, error
    if error is None:
        delivery.state, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
        endpoint.last_success_at, endpoint.failing_since = now, None
    elif delivery.attempts < MAX_ATTEMPTS:
        wait = RETRY_AFTER[delivery.attempts - 1]
        delivery.state, delivery.next_attempt_at = "pending", now + timedelta(seconds=wait)
        endpoint.failing_since = endpoint.failing_since or now
        retry_in = wait
    else:
        delivery.state, delivery.next_attempt_at = "failed", None
        endpoint.failing_since = endpoint.failing_since or now
        if endpoint.active and now - endpoint.failing_since >= FAIL_AFTER:
            endpoints.disable_endpoint(endpoint, f"no delivery has succeeded since "
                                                 f"{endpoint.failing_since:%Y-%m-%d %H:%M} UTC ({error})")
    if delivery.event.message_id is not None:  # an API channel's reply: its delivery state
        api_channel.reply_delivered(delivery.event.message_id, error, final=delivery.state == "failed")
    order_key = delivery.order_key
    db.session.commit()
    if error is not None:
        log.info("webhook delivery %s to endpoint %s failed: %s", delivery_id, endpoint_id, error)
    if retry_in is not None and capture.start_deliveries is not None:
        capture.start_deliveries(endpoint_id, order_key, delay=retry_in)


def due_keys(now: datetime | None = None, limit: int = 500) -> list[tuple[int, str]]:
    """(endpoint, key) pairs with a delivery due now or a claim gone stale: the sweep's work."""
    now = now or clock.now()
    rows = db.session.execute(
        select(WebhookDelivery.endpoint_id, WebhookDelivery.order_key)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookEndpoint.active.is_(True),
               ((WebhookDelivery.state == "pending") & (WebhookDelivery.next_attempt_at <= now))
               | ((WebhookDelivery.state == "sending") & (WebhookDelivery.last_attempt_at <= now - STALE_CLAIM)))
        .distinct().limit(limit)).all()
    db.session.commit()
    return [(row.endpoint_id, row.order_key) for row in rows]


KEEP_EVENTS = timedelta(days=30)


def prune(now: datetime | None = None) -> int:
    """Delete events older than KEEP_EVENTS whose deliveries are all finished (with them)."""
    cutoff = (now or clock.now()) - KEEP_EVENTS
    open_ = select(WebhookDelivery.event_id).where(WebhookDelivery.state.in_(("pending", "sending")))
    old = select(WebhookEvent.id).where(WebhookEvent.created_at < cutoff, WebhookEvent.id.not_in(open_))
    ids = list(db.session.scalars(old.limit(10_000)))
    if ids:
        db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.event_id.in_(ids)))
        db.session.execute(delete(WebhookEvent).where(WebhookEvent.id.in_(ids)))
    db.session.commit()
    return len(ids)
