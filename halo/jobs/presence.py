"""Presence jobs: forget viewers whose pages stopped renewing their heartbeat."""
from halo.services.tickets import presence


def expire() -> None:
    """Publish "left" for every viewer whose heartbeat lapsed (the schedule runs it)."""
    presence.expire()
