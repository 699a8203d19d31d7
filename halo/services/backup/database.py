"""The database in a backup: SQLite through its online backup API, PostgreSQL through
pg_dump and pg_restore (custom format). Both take a consistent snapshot while Halo keeps
writing: SQLite copies in one step under a read transaction (WAL lets writers go on),
pg_dump reads in one repeatable-read transaction."""
import os
import re
import shutil
import sqlite3
import subprocess

from flask import current_app
from flask_babel import gettext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from halo.extensions import db
from halo.services.backup.errors import BackupError

# Tables a started but unused instance fills by itself: the schedule's lease, the sidebar
# counters and the change stamps. Rows anywhere else mean someone's data is there.
BOOKKEEPING = {"alembic_version", "lease", "ticket_counter", "change_stamp"}
# Tables the migrations seed, with how many rows they put there (the default inbox).
SEEDED = {"inbox": 1}
MEMBER = {"sqlite": "database/halo.sqlite3", "postgresql": "database/halo.pgdump"}


def engine_kind() -> str:
    """sqlite or postgresql, from the configured URL."""
    name = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    if name not in MEMBER:
        raise BackupError(gettext("Backups support SQLite and PostgreSQL, not %(name)s.", name=name))
    return name


def revision() -> str:
    """The schema revision Alembic recorded."""
    try:
        return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    except Exception as exc:
        db.session.rollback()
        raise BackupError(gettext("The database has no schema revision (run `flask db upgrade` first): %(exc)s", exc=exc)) from None


def dump(workdir: str) -> tuple[str, str, dict]:
    """Snapshot the database into workdir: (archive member, file path, manifest facts)."""
    kind = engine_kind()
    facts = {"engine": kind, "revision": revision()}
    db.session.rollback()  # hold no transaction of our own while the snapshot is taken
    path = os.path.join(workdir, os.path.basename(MEMBER[kind]))
    if kind == "sqlite":
        _sqlite_dump(_sqlite_path(), path)
    else:
        facts.update(_pg_dump(path))
    return MEMBER[kind], path, facts


def _sqlite_path() -> str:
    path = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).database
    if not path or path == ":memory:":
        raise BackupError(gettext("An in-memory SQLite database cannot be backed up."))
    return path


def _sqlite_dump(source: str, target: str) -> None:
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # pages=-1: one step, one read transaction, a consistent copy
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        _check_sqlite(dst)
    except sqlite3.Error as exc:
        raise BackupError(gettext("Copying the SQLite database failed: %(exc)s", exc=exc)) from None
    finally:
        dst.close()
        src.close()


def _check_sqlite(conn) -> None:
    result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(gettext("The SQLite database fails its integrity check: %(result)s", result=result))


def leftovers() -> list[str]:
    """Tables holding someone's data: a restore goes only into a database without any."""
    present = set(inspect(db.engine).get_table_names())
    full = []
    for table in db.metadata.sorted_tables:
        if table.name in present and table.name not in BOOKKEEPING:
            allowed = SEEDED.get(table.name, 0)
            rows = db.session.execute(text(f'SELECT 1 FROM "{table.name}" LIMIT {allowed + 1}')).all()
            if len(rows) > allowed:
                full.append(table.name)
    db.session.rollback()
    return full


def load(path: str, facts: dict) -> None:
    """Replace the (checked empty) database with the archive's copy."""
    db.session.remove()
    db.engine.dispose()
    if facts["engine"] == "sqlite":
        _sqlite_load(path, _sqlite_path())
    else:
        _pg_load(path, facts)
    db.engine.dispose()


def _sqlite_load(path: str, target: str) -> None:
    try:
        conn = sqlite3.connect(path)
        try:
            _check_sqlite(conn)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BackupError(gettext("The archive's SQLite database cannot be opened: %(exc)s", exc=exc)) from None
    os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
    for suffix in ("-wal", "-shm", "-journal"):  # of the empty database being replaced
        if os.path.exists(target + suffix):
            os.unlink(target + suffix)
    shutil.move(path, target)


# PostgreSQL -------------------------------------------------------------------------

def _pg_connection() -> tuple[str, dict]:
    """A libpq URL without the password, and an environment that carries it (not argv)."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _major(version: str) -> int:
    match = re.search(r"(\d+)(?:\.\d+)?", version)
    if not match:
        raise BackupError(gettext("Cannot read a PostgreSQL version from %(version)s.", version=f'{version!r}'))
    return int(match.group(1))


def _server_version() -> str:
    return db.session.execute(text("SHOW server_version")).scalar_one().split()[0]


def _tool(name: str, at_least: int) -> tuple[str, int]:
    """pg_dump or pg_restore of a major version no older than the one needed."""
    configured = current_app.config.get("HALO_PG_BIN")
    candidates = ([os.path.join(configured, name)] if configured else
                  [f"/usr/lib/postgresql/{at_least}/bin/{name}", shutil.which(name)])
    found = []
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            out = subprocess.run([candidate, "--version"], capture_output=True, text=True).stdout
            major = _major(out)  # "pg_dump (PostgreSQL) 15.18 (Debian ...)"
            if major >= at_least:
                return candidate, major
            found.append(f"{candidate} ({major})")
    raise BackupError(gettext("%(name)s of PostgreSQL %(at_least)s or newer is needed (found: %(value)s); install the postgresql-client package of that version or point HALO_PG_BIN at its bin folder.", name=name, at_least=at_least, value=', '.join(found) or 'none'))


def _run(argv: list[str], env: dict, what: str) -> None:
    run = subprocess.run(argv, capture_output=True, text=True, env=env)
    if run.returncode != 0:
        raise BackupError(gettext("%(what)s failed: %(value)s", what=what, value=run.stderr.strip() or run.returncode))


def _pg_dump(path: str) -> dict:
    server = _server_version()
    tool, major = _tool("pg_dump", _major(server))
    url, env = _pg_connection()
    _run([tool, "--format=custom", "--file", path, "--dbname", url], env, "pg_dump")
    return {"server_version": server, "pg_dump_major": major}


def _pg_load(path: str, facts: dict) -> None:
    tool, _major_found = _tool("pg_restore", int(facts.get("pg_dump_major") or 0))
    url, env = _pg_connection()
    # The tables are empty (checked); dropping them lets a database migrated to another
    # revision take the archive's schema whole.
    with db.engine.begin() as conn:
        for table in inspect(conn).get_table_names():
            conn.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    _run([tool, "--no-owner", "--no-privileges", "--clean", "--if-exists", "--exit-on-error",
          "--single-transaction", "--dbname", url, path], env, "pg_restore")
