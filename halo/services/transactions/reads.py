"""What a request reads after its last commit: the answer to a post.

On PostgreSQL those reads opened a transaction of their own, a BEGIN before the first and
a ROLLBACK when the request ended: two round trips that carried nothing, since under READ
COMMITTED every statement sees what was committed when it started, in a transaction or
not. They now run on the connection in autocommit, as reads run on SQLite (pysqlite
begins a transaction only before a write). Under 8 concurrent writers a round trip is not
cheap: a thread that waits on the socket gives up the GIL and queues for it again, and
the note's answer lost two of its twelve (bench/README, "The answer's reads outside a
transaction").

From then on, until the session's transaction ends (the request's end), nothing writes: a
flush with changes, or an INSERT, UPDATE or DELETE through the session, raises instead of
committing statement by statement.
"""
from sqlalchemy.orm import Session

from halo.extensions import db

_READING = "halo_reading_only"  # in Session.info: the request's writes are over, until the transaction ends


class WriteAfterReadsError(RuntimeError):
    """Something wrote after the request said its writes were over."""


def reading_only() -> None:
    """The rest of the request only reads: call it after the last commit. On PostgreSQL,
    the reads run outside a transaction (when none has begun since that commit)."""
    session = db.session()
    session.info[_READING] = True
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _refuse_flush(session: Session, _ctx, _instances) -> None:
    """before_flush: nothing to write once reading_only() was called."""
    if session.info.get(_READING) and (session.new or session.deleted or any(
            session.is_modified(obj) for obj in session.dirty)):
        raise WriteAfterReadsError(
            "This request's writes were over (reading_only); it may not flush changes.")


def _refuse_dml(state) -> None:
    """do_orm_execute: no INSERT, UPDATE or DELETE once reading_only() was called."""
    if (state.is_insert or state.is_update or state.is_delete) and state.session.info.get(_READING):
        raise WriteAfterReadsError("This request's writes were over (reading_only); it may not write.")


def _over(session: Session, transaction) -> None:
    """after_transaction_end: the connection went back to the pool (which puts its
    isolation level back); a new transaction may write."""
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_READING, None)


# Installed by create_app (services/transactions/hooks.py).
HOOKS = (("before_flush", _refuse_flush), ("do_orm_execute", _refuse_dml), ("after_transaction_end", _over))
