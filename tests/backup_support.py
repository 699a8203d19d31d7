"""Backup test helpers: an empty second instance to restore into, and every row of a database."""
import uuid

import psycopg
import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from halo import create_app
from halo.extensions import db


class HeldQueue:
    """Takes jobs and runs none: a reply's send stays queued, so each reply is one commit."""

    def __init__(self):
        self.jobs = []

    def enqueue(self, path, args, job_id=None, delay=0, retry_intervals=()):
        self.jobs.append((path, args))


def every_row(conn=None) -> dict[str, list]:
    """Every row of every table of the current app's database, in a comparable order,
    read through conn when given (a listener may not use the session that committed)."""
    reader = conn if conn is not None else db.session
    out, present = {}, set(inspect(db.engine).get_table_names())
    for table in db.metadata.sorted_tables:
        if table.name not in present:  # a new instance before its first migration
            out[table.name] = []
            continue
        rows = reader.execute(table.select()).all()
        out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    if conn is None:
        db.session.rollback()
    return out


def _libpq(url) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def empty_instance(app, tmp_path):
    """A factory of new, empty instances (own folders, own empty database) like the app's."""
    made, databases = [], []

    def make(**config):
        url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
        home = tmp_path / f"instance-{len(made)}"
        if url.get_backend_name() == "postgresql":
            name = f"halo_restore_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(_libpq(url), autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            databases.append(name)
            target = url.set(database=name).render_as_string(hide_password=False)
        else:
            target = "sqlite:///" + str(home / "halo.db")
        other = create_app({"TESTING": True, "HALO_INSTANCE_DIR": str(home), "SQLALCHEMY_DATABASE_URI": target,
                            "HALO_ATTACHMENT_DIR": str(home / "attachments"),
                            "HALO_AVATAR_DIR": str(home / "avatars"), **config})
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    for name in databases:
        with psycopg.connect(_libpq(url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
