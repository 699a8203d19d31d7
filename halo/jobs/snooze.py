"""Snooze jobs: wake tickets whose snooze has ended."""
from halo.services.tickets import snooze


def sweep() -> None:
    """The minute sweeper that runs with the worker."""
    snooze.sweep()
