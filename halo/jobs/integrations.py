"""Integration housekeeping (the schedule runs it)."""
from halo.services.integrations import idempotency
from halo.services.integrations.webhooks import delivery


def prune() -> None:
    """Forget Idempotency-Keys past a day and webhook events past their keeping time."""
    idempotency.prune()
    delivery.prune()
