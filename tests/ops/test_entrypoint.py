"""docker/entrypoint.sh run directly, outside a container, for every role: what the image
runs, against a real database, Redis, HTTP and SMTP."""
import os
import pathlib
import signal
import smtplib
import sqlite3
import subprocess
import sys
import threading

import pytest

import halo
from tests.email_support import free_port

ROOT = pathlib.Path(__file__).parents[2]
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"


@pytest.fixture
def env(tmp_path):
    """The container's environment, pointed at this checkout and a fresh SQLite database."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("HALO_", "PROMETHEUS_"))}
    environ.pop("REDIS_URL", None)
    environ.update(
        PATH=f"{pathlib.Path(sys.executable).parent}:{environ['PATH']}", HALO_APP_DIR=str(ROOT),
        HALO_ROLE_FILE=str(tmp_path / "role"), HALO_HEALTHCHECK=str(ROOT / "docker" / "healthcheck.py"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'halo.db'}", SECRET_KEY="entrypoint-test",
        HALO_ATTACHMENT_DIR=str(tmp_path / "attachments"), HALO_HOST="127.0.0.1", HALO_PORT=str(free_port()),
        HALO_SMTP_HOST="127.0.0.1", HALO_SMTP_PORT=str(free_port()), HALO_WORKERS="1", HALO_THREADS="4",
        HALO_ADMIN_EMAIL="owner@example.com", HALO_ADMIN_PASSWORD="first-admin-pass")
    return environ


def entrypoint(env, *args, timeout=120):
    return subprocess.run([str(ENTRYPOINT), *args], env=env, capture_output=True, text=True, timeout=timeout)


class Role:
    """A long-running role in its own process group; waits for a line that says it is up."""

    def __init__(self, env, *args):
        self.proc = subprocess.Popen([str(ENTRYPOINT), *args], env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.output: list[str] = []
        self._lines = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            with self._lines:
                self.output.append(line)
                self._lines.notify_all()
        with self._lines:
            self._lines.notify_all()

    def wait_for(self, text, timeout=90):
        with self._lines:
            found = self._lines.wait_for(lambda: any(text in line for line in self.output)
                                         or self.proc.poll() is not None, timeout)
        assert found and any(text in line for line in self.output), "".join(self.output)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc.stdout.close()


def _users(env):
    with sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///")) as conn:
        return conn.execute('SELECT email, role FROM "user"').fetchall()


def test_serve_migrates_creates_the_first_admin_and_is_healthy(env):
    web = Role(env, "serve")
    try:
        web.wait_for("ready: Halo is loaded")
        web.wait_for(f"web: http://127.0.0.1:{env['HALO_PORT']}/")
        assert _users(env) == [("owner@example.com", "admin")]
        assert pathlib.Path(env["HALO_ROLE_FILE"]).read_text() == "serve\n"
        check = entrypoint(env, "healthcheck")
        assert check.returncode == 0 and check.stdout == "serve: healthy\n"
        log = "".join(web.output)
        assert "SMTP receiver: not in this process" in log  # the smtpd container receives mail
    finally:
        web.stop()
    down = entrypoint(env, "healthcheck")
    assert down.returncode == 1 and down.stderr.startswith("serve is unhealthy: URLError")
    # A second start (a container restart) leaves the team as it was.
    again = entrypoint(env, "flask", "halo", "ensure-admin")
    assert again.returncode == 0 and "Admin: owner@example.com" in again.stdout


def test_smtpd_waits_for_the_schema_then_receives_mail(env):
    assert entrypoint(env, "migrate").returncode == 0
    smtpd = Role(env, "smtpd", "--no-background")
    try:
        smtpd.wait_for(f"Halo SMTP receiver on 127.0.0.1:{env['HALO_SMTP_PORT']}")
        check = entrypoint(env, "healthcheck")
        assert check.returncode == 0 and check.stdout == "smtpd: healthy\n"
        with smtplib.SMTP("127.0.0.1", int(env["HALO_SMTP_PORT"]), timeout=30) as client:
            client.sendmail("ann@example.org", ["support@halo.localhost"],
                            b"From: ann@example.org\r\nTo: support@halo.localhost\r\nSubject: Hi\r\n"
                            b"Message-ID: <ep-1@example.org>\r\n\r\nMy order is late.\r\n")
        with sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///")) as conn:
            assert conn.execute("SELECT rfc_message_id FROM inbound_email").fetchall() == [("ep-1@example.org",)]
    finally:
        smtpd.stop()


def test_worker_runs_jobs_from_redis_and_checks_redis(env):
    redis = os.environ.get("HALO_TEST_REDIS_URL")
    if not redis:
        pytest.skip("HALO_TEST_REDIS_URL is not set (needs a real Redis)")
    env["REDIS_URL"] = redis
    assert entrypoint(env, "migrate").returncode == 0
    burst = entrypoint(env, "worker", "--burst", timeout=180)
    assert burst.returncode == 0, burst.stderr
    assert "Worker on halo-ingest, halo-mail, halo-default, halo-webhooks, halo-ai" in burst.stdout
    assert pathlib.Path(env["HALO_ROLE_FILE"]).read_text() == "worker\n"
    check = entrypoint(env, "healthcheck")
    assert check.returncode == 0 and check.stdout == "worker: healthy\n"
    env["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    down = entrypoint(env, "healthcheck")
    assert down.returncode == 1 and "worker is unhealthy: ConnectionError" in down.stderr


def test_a_role_gives_up_on_a_database_that_is_never_migrated(env):
    env["HALO_WAIT_SECONDS"] = "0"
    result = entrypoint(env, "smtpd")
    assert result.returncode == 1
    assert "the database is not ready after 0 s" in result.stderr and '"ok": false' in result.stderr


def test_other_commands_run_as_given(env):
    result = entrypoint(env, "flask", "halo", "version")
    assert result.returncode == 0 and result.stdout.startswith(f"Halo {halo.__version__}\n")
    assert entrypoint(env, "sh", "-c", "echo $FLASK_APP").stdout == "wsgi\n"
