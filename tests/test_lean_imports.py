"""What a serving process holds: the model client, the migration tool, rarely used tools and
the Redis client (when no REDIS_URL is set) load only when used.

openai (~19 MB) and Alembic with Mako (~10 MB) were imported by every web and worker
process at start; bench/README.md ("Memory") has the figures.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROBE = """
import sys
from halo import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "HALO_QUEUE": "sync",
                  "SECRET_KEY": "probe"})
with app.test_request_context():
    app.test_client().get("/login")
print(sorted(m for m in ("openai", "alembic", "mako", "flask_migrate", "aiosmtpd", "markdown", "segno",
                          "charset_normalizer", "redis", "rq", "oauthlib") if m in sys.modules))
"""


def test_a_served_app_imports_neither_the_model_client_nor_alembic_nor_rare_tools(tmp_path):
    """Nor the SMTP server (its own command), Markdown (articles), segno (the 2FA QR code),
    the charset detector (a mail part without a usable charset), oauthlib (an OAuth
    mailbox's sign-in), nor redis and rq without a REDIS_URL (the in-process queue, bus and
    presence store)."""
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stderr


def test_flask_db_runs_flask_migrate_bound_on_demand(app):
    from flask_migrate import _MigrateConfig
    runner = app.test_cli_runner()
    helped = runner.invoke(args=["db", "--help"])
    assert helped.exit_code == 0 and "upgrade" in helped.output
    result = runner.invoke(args=["db", "heads"])
    assert result.exit_code == 0, result.output
    assert isinstance(app.extensions["migrate"], _MigrateConfig)
    assert app.extensions["migrate"].directory.endswith("migrations")


def test_the_provider_client_still_loads_when_a_model_is_called(app):
    from halo.services.ai import provider
    assert provider._sdk().OpenAI.__name__ == "OpenAI"


def test_flask_db_upgrade_from_a_fresh_process(tmp_path):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path}/fresh.db", SECRET_KEY="probe")
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    for args in (["db", "upgrade"], ["db", "current"]):
        out = subprocess.run([flask, "--app", "wsgi", *args], cwd=ROOT, env=env,
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
    assert "(head)" in out.stdout


def test_with_redis_configured_the_queue_bus_presence_and_health_check_use_it(tmp_path):
    """The lazy imports still load where they are needed: a job goes to RQ, an event through
    Redis to a subscriber, a viewer into Redis, and /health's check pings it."""
    import pytest
    url = os.environ.get("HALO_TEST_REDIS_URL")
    if not url:
        pytest.skip("HALO_TEST_REDIS_URL is not set (needs a real Redis)")
    from halo import create_app, realtime
    from halo.queue import RQQueue, rq_queues
    from halo.services.ops.health import check_redis
    from halo.services.tickets import presence
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/r.db", "REDIS_URL": url,
                      "SECRET_KEY": "probe"})
    bus = app.extensions["halo_bus"]
    try:
        assert isinstance(app.extensions["halo_queue"], RQQueue)
        assert isinstance(app.extensions["halo_presence"], presence.RedisStore)
        assert isinstance(bus, realtime.RedisBus) and bus.wait_ready()
        with app.app_context():
            queue = rq_queues(app.extensions["halo_queue"].redis, ("default",))["default"]
            queue.empty()
            app.extensions["halo_queue"].enqueue("halo.jobs.presence.expire", ())
            assert queue.count == 1
            queue.empty()
            with realtime.subscribe(["lean:probe"]) as sub:
                realtime.publish("lean:probe", {"n": 1})
                assert sub.get(timeout=5) == ("lean:probe", {"n": 1})
            assert check_redis().ok
    finally:
        bus.stop()
