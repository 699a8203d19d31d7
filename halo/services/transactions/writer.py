"""One SQLite writer at a time in this process, handed over at once.

SQLite has one write lock per database; a second writer waits in its busy handler,
which sleeps in growing steps (up to 100 ms) and so wakes long after the lock is free.
The SMTP receiver storing, the worker processing and the jobs that follow would take
turns that way, each mostly asleep. Queuing on a Python lock before the first write
hands over immediately. PostgreSQL has row locks: no lock there.
"""
import threading
from contextlib import contextmanager

from halo.extensions import db

_sqlite_writer = threading.Lock()


@contextmanager
def sqlite_writer():
    """Hold the process's SQLite write turn (a no-op on other databases)."""
    if db.session.get_bind().dialect.name != "sqlite":
        yield
        return
    with _sqlite_writer:
        yield
