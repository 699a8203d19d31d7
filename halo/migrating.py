"""Flask-Migrate bound without importing it: Alembic and Mako (~10 MB in every web and
worker process) load only when something migrates: `flask db …`, `flask halo upgrade`,
`flask_migrate.upgrade()` in the tests and benchmarks.

Both doors Flask-Migrate uses stay where it expects them: `app.extensions["migrate"]`
(a stand-in that binds the real extension on first use, which then replaces it) and the
`db` command group (whose context is the real group's, imported when the CLI runs it).
"""
import os

import click
from flask import Flask, current_app

DIRECTORY = os.path.join(os.path.dirname(__file__), "migrations")


def init_migrate(app: Flask, db) -> None:
    """What `Migrate(app, db, directory=DIRECTORY)` does, deferred until first use."""
    app.extensions["migrate"] = _Deferred(app, db)
    app.cli.add_command(_DbGroup("db", help="Database migrations (Alembic, via Flask-Migrate)."))


def bind(app: Flask):
    """The real Flask-Migrate config of app, binding it now if it is still deferred."""
    config = app.extensions["migrate"]
    if isinstance(config, _Deferred):
        # Imported here: the deferral is this module's purpose.
        from flask_migrate import Migrate
        Migrate(app, config.db, directory=DIRECTORY)
        config = app.extensions["migrate"]
    return config


class _Deferred:
    """Stands in for flask_migrate's config; any attribute read binds the real one."""

    def __init__(self, app: Flask, db):
        self.app, self.db = app, db

    def __getattr__(self, name):
        return getattr(bind(self.app), name)


class _DbGroup(click.Group):
    """`flask db`: Flask-Migrate's own group, imported when the CLI runs or helps with it."""

    def make_context(self, info_name, args, parent=None, **extra):
        # The parent invokes the context's command, so from here on the real group runs.
        # Imported here: the deferral is this module's purpose.
        from flask_migrate.cli import db as group
        bind(current_app)
        return group.make_context(info_name, args, parent=parent, **extra)
