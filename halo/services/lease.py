"""Leases in the database: one holder at a time for a duty, taken over when it lapses.

Taking or renewing is one conditional UPDATE (holder is me, or the lease has expired),
or an INSERT that does nothing on conflict when the row does not exist yet: on SQLite
the write lock and on PostgreSQL the row lock make two claimants race safely, and the
loser's statement touches no row. Times come from halo.clock, so hosts sharing a lease
need clocks within a few seconds of each other (NTP), far less than the lease's length.
"""
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from halo.extensions import db
from halo.models import Lease
from halo.services.transactions.writer import sqlite_writer


def acquire(name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease `name` for holder until now + ttl; False while another holds it."""
    table, values = Lease.__table__, {"holder": holder, "expires_at": now + ttl}
    with sqlite_writer():
        taken = db.session.execute(update(table).where(
            table.c.name == name, or_(table.c.holder == holder, table.c.expires_at <= now))
            .values(**values).returning(table.c.name)).first() is not None
        if not taken:
            # RETURNING, not rowcount: psycopg reports no row count for an INSERT that skips.
            insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
            taken = db.session.execute(insert(table).values(name=name, **values)
                                       .on_conflict_do_nothing(index_elements=["name"])
                                       .returning(table.c.name)).first() is not None
        db.session.commit()
    return taken


def release(name: str, holder: str, now: datetime) -> None:
    """Give the lease up at once (a clean shutdown), so another takes over without waiting."""
    with sqlite_writer():
        db.session.execute(update(Lease).where(Lease.name == name, Lease.holder == holder)
                           .values(expires_at=now))
        db.session.commit()


def holder_of(name: str, now: datetime) -> str | None:
    """Who holds the lease at now, if anyone."""
    lease = db.session.get(Lease, name)
    return lease.holder if lease is not None and lease.expires_at > now else None
