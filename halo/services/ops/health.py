"""Readiness: the checks behind /readyz, each answering (ok, details) within a second or two.

A check that fails says why in words an operator can act on; none raises. Thresholds
come from the configuration (README, "Deploy"): HALO_READY_QUEUE_LAG (seconds a due job
may wait), HALO_READY_MIN_FREE_MB (free space on the instance and attachment disks).
"""
import ast
import glob
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import inspect, text

from halo import clock, migrating, queue, schedule
from halo.extensions import db
from halo.models import Lease


@dataclass
class Check:
    """One readiness check's answer."""
    ok: bool
    detail: str
    data: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"ok": self.ok, "detail": self.detail, **self.data}


def schema_revisions() -> list[str]:
    """The migration revisions the database is at (empty for a database never migrated)."""
    try:
        db.session.execute(text("SELECT 1"))
        if not inspect(db.session.connection()).has_table("alembic_version"):
            return []
        return list(db.session.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except Exception:
        db.session.rollback()
        raise
    finally:
        db.session.remove()


def check_database() -> Check:
    """The database answers, and its schema is the one this code expects (no pending migration)."""
    try:
        current = schema_revisions()
    except Exception as exc:
        return Check(False, f"database unreachable: {type(exc).__name__}: {first_line(exc)}")
    head = schema_head()
    if head not in current:
        return Check(False, f"schema at {', '.join(current) or 'nothing'}, code expects {head}: "
                            "run `flask --app wsgi db upgrade`",
                     {"schema": current, "expected": head})
    return Check(True, "reachable, schema up to date", {"schema": head})


_HEAD: list = []


def schema_head() -> str:
    """The newest migration's revision, read once per process from the migration files.

    Read with ast rather than through Alembic, which a serving process does not import
    (halo/migrating.py): /readyz runs every few seconds and must not load ~10 MB for this.
    tests/test_migrations.py keeps the chain to one head; Alembic's answer is checked there.
    """
    if not _HEAD:
        revisions, parents = set(), set()
        for path in glob.glob(os.path.join(migrating.DIRECTORY, "versions", "*.py")):
            values = _assignments(path, ("revision", "down_revision"))
            if values.get("revision"):
                revisions.add(values["revision"])
            down = values.get("down_revision")
            parents.update(down if isinstance(down, (tuple, list)) else [down])
        _HEAD.append(", ".join(sorted(revisions - parents)))
    return _HEAD[0]


def _assignments(path: str, names: tuple[str, ...]) -> dict:
    """Module-level `name = <literal>` assignments of a Python file."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    found = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AnnAssign) and node.value is not None else []
        for target in targets:
            if isinstance(target, ast.Name) and target.id in names:
                found[target.id] = ast.literal_eval(node.value)
    return found


def check_redis() -> Check:
    """Redis answers a PING, when Halo is configured to use it."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return Check(True, "not used (embedded queue and bus)")
    from redis import Redis  # only where Redis is configured
    try:
        Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()
    except Exception as exc:
        return Check(False, f"Redis unreachable: {type(exc).__name__}: {first_line(exc)}")
    return Check(True, "reachable")


def check_queue() -> Check:
    """No lane has a due job waiting longer than HALO_READY_QUEUE_LAG seconds."""
    limit = current_app.config["HALO_READY_QUEUE_LAG"]
    try:
        lanes = queue.stats()
    except Exception as exc:
        return Check(False, f"queue unreadable: {type(exc).__name__}: {first_line(exc)}")
    late = {name: s["oldest_seconds"] for name, s in lanes.items() if s["oldest_seconds"] > limit}
    data = {"lanes": lanes, "max_lag_seconds": limit}
    if late:
        names = ", ".join(f"{name} ({int(age)} s)" for name, age in sorted(late.items()))
        return Check(False, f"jobs waiting longer than {limit} s in {names}: is a worker running on these lanes?", data)
    return Check(True, "no lane is behind", data)


def check_schedule(now: datetime | None = None) -> Check:
    """The schedule's runner renewed its lease in time (some worker or server is ticking)."""
    now = now or clock.now()
    try:
        row = db.session.get(Lease, schedule.LEASE)
        row = row and {"holder": row.holder, "expires_at": row.expires_at}
    except Exception as exc:
        db.session.rollback()
        return Check(False, f"lease unreadable: {type(exc).__name__}: {first_line(exc)}")
    finally:
        db.session.remove()
    if row is None:
        return Check(False, "no runner has ever taken the schedule: start `flask --app wsgi halo worker` "
                            "(scaled out) or `halo serve` (embedded)")
    renewed = row["expires_at"] - timedelta(seconds=schedule.LEASE_SECONDS)
    age = max(0.0, (now - renewed).total_seconds())
    data = {"holder": row["holder"], "last_beat_seconds": round(age, 1)}
    if row["expires_at"] <= now:
        return Check(False, f"the schedule's runner last renewed its lease {int(age)} s ago: "
                            "no worker or server is running it", data)
    return Check(True, "a runner holds the lease", data)


def check_disk() -> Check:
    """At least HALO_READY_MIN_FREE_MB free where the instance folder and attachments live."""
    minimum = current_app.config["HALO_READY_MIN_FREE_MB"]
    paths = {"instance": current_app.instance_path,
             "attachments": current_app.config.get("HALO_ATTACHMENT_DIR") or current_app.instance_path}
    free, short = {}, []
    for name, path in paths.items():
        try:
            mb = shutil.disk_usage(_existing(path)).free // (1024 * 1024)
        except OSError as exc:
            return Check(False, f"cannot read free space of {name}: {exc.strerror}")
        free[f"{name}_free_mb"] = mb
        if mb < minimum:
            short.append(f"{name} has {mb} MB free")
    if short:
        return Check(False, f"{'; '.join(short)} (below HALO_READY_MIN_FREE_MB={minimum})", free)
    return Check(True, f"at least {minimum} MB free", free)


CHECKS = {"database": check_database, "redis": check_redis, "queue": check_queue,
          "schedule": check_schedule, "disk": check_disk}


def readiness(names=None) -> tuple[bool, dict]:
    """(all ok, {name: answer}) for the checks named (all by default); unknown names are refused."""
    names = list(names or CHECKS)
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise ValueError(gettext("unknown check %(join)s: choose from %(join2)s", join=', '.join(unknown), join2=', '.join(CHECKS)))
    results = {name: CHECKS[name]() for name in names}
    return all(r.ok for r in results.values()), {n: r.as_dict() for n, r in results.items()}


def _existing(path: str) -> str:
    """path, or its nearest existing parent (a folder not made yet lives on its parent's disk)."""
    path = os.path.abspath(path)
    while not os.path.exists(path) and os.path.dirname(path) != path:
        path = os.path.dirname(path)
    return path


def first_line(exc: Exception) -> str:
    """The first line of an exception's message, cut to 200 characters."""
    return (str(exc).strip().splitlines() or [""])[0][:200]
