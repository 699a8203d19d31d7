"""Snooze jobs: wake tickets whose snooze has ended."""
from ..services import snooze


def sweep() -> None:
    """The minute sweeper that runs with the worker."""
    snooze.sweep()
