"""Installing the services' database-session hooks, explicitly, from create_app.

A module that reacts to writes (the sidebar counters, the change stamps, segment counts,
events on commit) lists its hooks as (event name, function) pairs; create_app installs
them, so what runs on every flush and commit is visible in one place.
"""
from sqlalchemy import event
from sqlalchemy.orm import Session


def install(hooks) -> None:
    """Listen with each (name, function) on every Session; installing twice is a no-op."""
    for name, function in hooks:
        if not event.contains(Session, name, function):
            event.listen(Session, name, function)
