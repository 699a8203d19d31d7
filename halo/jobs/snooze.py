"""Snooze jobs: wake tickets whose snooze has ended."""
from halo.services.tickets import snooze


def wake_due() -> None:
    """Reopen every ended snooze (the schedule runs it every minute)."""
    snooze.wake_due()
