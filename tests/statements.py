"""The SQL statements a piece of code runs, for the tests that count or inspect them."""
from contextlib import contextmanager

from sqlalchemy import event

from halo.extensions import db


class Run(str):
    """A statement as run, on one line. raw: as sent; parameters: its values; autocommit:
    whether its connection was in autocommit (PostgreSQL's; None on SQLite)."""
    raw: str
    parameters: object
    autocommit: bool | None


@contextmanager
def recorded():
    """Every statement run meanwhile, in order (a list of Run)."""
    seen: list[Run] = []

    def listen(conn, _cursor, statement, parameters, *_args):
        seen.append(run := Run(" ".join(statement.split())))
        run.raw, run.parameters = statement, parameters
        run.autocommit = getattr(conn.connection.dbapi_connection, "autocommit", None)
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
