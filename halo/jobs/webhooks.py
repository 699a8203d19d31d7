"""Webhook jobs (the "webhooks" lane: a slow receiver waits alone): ids in, one service call."""
from halo.queue import enqueue
from halo.services.integrations.webhooks import delivery

JOB = "halo.jobs.webhooks.deliver"


def deliver(endpoint_id: int, order_key: str) -> None:
    """Send what is due for one endpoint and ticket (or customer), in order."""
    delivery.deliver_key(endpoint_id, order_key)


def start(endpoint_id: int, order_key: str, delay: float = 0) -> None:
    """Queue deliver(endpoint_id, order_key); the service's own retries, not the queue's."""
    enqueue(JOB, endpoint_id, order_key, delay=delay, retry_intervals=())


def sweep() -> None:
    """Queue every (endpoint, key) with a delivery due: retries whose time has come, work a
    restart forgot (the schedule runs it)."""
    for endpoint_id, order_key in delivery.due_keys():
        start(endpoint_id, order_key)
