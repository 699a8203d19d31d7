"""/healthz and /readyz: liveness, and each readiness check failing for its own reason."""
import time
from datetime import timedelta

import pytest
from sqlalchemy import text

from halo import schedule
from halo.extensions import db
from halo.queue import ThreadQueue
from halo.services.ops import health


def _lease_taken(app, now):
    """A runner with no jobs takes the schedule's lease at now (its heartbeat)."""
    assert schedule.Runner(app, schedule=()).tick(now) == []


def test_healthz_answers_without_a_session(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_is_ready_once_a_runner_holds_the_schedule(client, app, frozen):
    first = client.get("/readyz")
    assert first.status_code == 503
    body = first.get_json()
    assert body["status"] == "fail"
    assert body["checks"]["schedule"]["ok"] is False
    assert "no runner has ever taken the schedule" in body["checks"]["schedule"]["detail"]
    assert all(body["checks"][name]["ok"] for name in ("database", "redis", "queue", "disk"))

    _lease_taken(app, frozen.start)
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.get_json()
    assert ready.get_json()["status"] == "ok"
    assert ready.get_json()["checks"]["database"]["schema"] == health.schema_head()


def test_a_silent_schedule_fails_readiness_after_its_lease_lapses(app, frozen):
    _lease_taken(app, frozen.start)
    frozen(frozen.start + timedelta(seconds=schedule.LEASE_SECONDS - 1))
    assert health.check_schedule().ok
    frozen(frozen.start + timedelta(seconds=schedule.LEASE_SECONDS + 1))
    check = health.check_schedule()
    assert not check.ok and "no worker or server is running it" in check.detail
    assert check.data["last_beat_seconds"] == pytest.approx(schedule.LEASE_SECONDS + 1)


def test_readyz_runs_only_the_checks_named_and_refuses_unknown_ones(client):
    only = client.get("/readyz?check=database&check=disk")
    assert only.status_code == 200 and set(only.get_json()["checks"]) == {"database", "disk"}
    bad = client.get("/readyz?check=database&check=coffee")
    assert bad.status_code == 400 and "unknown check coffee" in bad.get_json()["error"]


def test_a_pending_migration_makes_the_database_not_ready():
    head = health.schema_head()
    db.session.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    db.session.commit()
    try:
        check = health.check_database()
    finally:
        db.session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        db.session.commit()
    assert not check.ok and "code expects " + head in check.detail and "db upgrade" in check.detail
    assert health.check_database().ok


def test_unreachable_redis_is_not_ready(app):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    check = health.check_redis()
    assert not check.ok and check.detail.startswith("Redis unreachable: ConnectionError")


def test_a_lane_behind_fails_readiness_and_names_the_lane(app):
    backend, saved = ThreadQueue(app), app.extensions["halo_queue"]
    # Due 400 s ago and no worker thread running it: what a stuck lane looks like.
    with backend._cv:
        backend._push(time.monotonic() - 400, ("halo.jobs.ai.draft_reply", (1,), None, (), 0))
    app.extensions["halo_queue"] = backend
    try:
        app.config["HALO_READY_QUEUE_LAG"] = 300
        check = health.check_queue()
        assert not check.ok and "in ai (" in check.detail and "is a worker running" in check.detail
        assert check.data["lanes"]["ai"]["depth"] == 1 and check.data["lanes"]["ai"]["oldest_seconds"] >= 400
        assert check.data["lanes"]["mail"] == {"depth": 0, "oldest_seconds": 0.0, "failed": 0}
        app.config["HALO_READY_QUEUE_LAG"] = 3600
        assert health.check_queue().ok
    finally:
        app.extensions["halo_queue"] = saved


def test_a_full_disk_is_not_ready(app, tmp_path):
    app.config["HALO_ATTACHMENT_DIR"] = str(tmp_path / "not-made-yet" / "attachments")
    app.config["HALO_READY_MIN_FREE_MB"] = 10 ** 12  # more than any disk has
    check = health.check_disk()
    assert not check.ok and "below HALO_READY_MIN_FREE_MB" in check.detail
    assert "attachments_free_mb" in check.data
    app.config["HALO_READY_MIN_FREE_MB"] = 0
    assert health.check_disk().ok


def test_the_schema_head_read_from_the_files_is_alembics():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from halo import migrating
    config = Config()
    config.set_main_option("script_location", migrating.DIRECTORY)
    assert ScriptDirectory.from_config(config).get_heads() == [health.schema_head()]


def test_readiness_and_metrics_load_no_migration_tool(tmp_path):
    """/readyz runs every few seconds in every web process: it must not pull Alembic in."""
    import os
    import subprocess
    import sys
    probe = """
import sys
from halo import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "HALO_QUEUE": "sync", "SECRET_KEY": "probe"})
client = app.test_client()
metrics = client.get("/metrics")
print(client.get("/readyz?check=database").status_code, metrics.status_code)
print([line for line in metrics.get_data(as_text=True).splitlines() if line.startswith("halo_scrape_source_up")])
print(sorted(m for m in ("alembic", "mako", "flask_migrate") if m in sys.modules))
"""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=dict(os.environ, PYTHONPATH=root),
                         capture_output=True, text=True, check=True)
    # An empty in-memory database: the schema check fails and the metrics leave the email
    # figures out, each saying so, without Alembic.
    lines = out.stdout.strip().splitlines()[-3:]
    assert lines[0] == "503 200" and lines[2] == "[]", out.stdout + out.stderr
    assert lines[1] == str(['halo_scrape_source_up{source="queue"} 1.0',
                            'halo_scrape_source_up{source="database"} 0.0'])
