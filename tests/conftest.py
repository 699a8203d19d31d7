"""Shared fixtures: an app migrated once per run, emptied after every test.

HALO_TEST_DATABASE_URL points the suite at PostgreSQL (CI runs it twice); the
default is a SQLite file in a temporary folder. HALO_TEST_REQUIRE_PEERS=1 (set by
.ci/run) turns every skip into a failure: the suite's skips all mean a real peer
(Redis, Chromium, dovecot, the translation extra) is missing, and CI installs them all.
"""
import concurrent.futures.thread
import os
import re
import threading

import pytest
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from halo import clock, create_app, kept_pages
from halo.config import normalise_db_url
from halo.extensions import db
from halo.services.inbox import stamps

from . import factories

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
REQUIRE_PEERS = os.environ.get("HALO_TEST_REQUIRE_PEERS", "") not in ("", "0")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under HALO_TEST_REQUIRE_PEERS, a skipped test fails, saying which peer was missing."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_PEERS and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped, but HALO_TEST_REQUIRE_PEERS is set (CI has every peer): {reason}"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = os.environ.get("HALO_TEST_DATABASE_URL")
    url = normalise_db_url(url) if url else "sqlite:///" + str(tmp_path_factory.mktemp("db") / "halo.db")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-secret",
                      })
    with app.app_context():
        if url.startswith("postgresql"):
            downgrade(revision="base")
        upgrade()
    yield app


@pytest.fixture(autouse=True)
def _clean(app):
    """Each test starts from an empty, migrated database and the real clock."""
    ctx = app.app_context()
    ctx.push()
    yield
    db.session.rollback()
    # Let the job thread finish what it is doing: emptying tables under a running job
    # deadlocks on PostgreSQL (the job holds a ticket row and waits for a row deleted here).
    queue = app.extensions.get("halo_queue")
    if hasattr(queue, "idle"):
        queue.idle()
        queue.clear()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    db.session.remove()
    clock.set_now(None)
    app.extensions["halo_throttle"].reset()  # sign-in counts: every test signs in from 127.0.0.1
    app.extensions["halo_reset_throttle"].reset()
    stamps.pieces.clear()  # random stamp starts would do; clearing keeps tests independent
    stamps.search_results.clear()
    kept_pages.pages.clear()
    app.extensions["halo_widget_throttle"].reset()  # every test's widgets come from 127.0.0.1
    ctx.pop()


@pytest.fixture(autouse=True)
def _config_restored(app):
    """Whatever a test sets in app.config is put back after it, pass or fail: a page size of 1
    left behind by a failed assertion would change what every later test sees."""
    saved = dict(app.config)
    yield
    app.config.clear()
    app.config.update(saved)


# Executor pool threads (Playwright's event loop keeps some for the session) are told to
# stop and joined at interpreter exit, so they cannot hang the run.
_pool_worker = concurrent.futures.thread._worker


@pytest.fixture(autouse=True)
def _no_thread_left_behind():
    """A test may start threads, but must not leave a non-daemon one running: it would keep
    the run alive after the last test, a hang instead of a failure. Each gets 5 s to end."""
    before = set(threading.enumerate())
    yield
    left = [t for t in threading.enumerate()
            if t not in before and not t.daemon and t is not threading.main_thread()
            and getattr(t, "_target", None) is not _pool_worker]
    for thread in left:
        thread.join(5)
    alive = [t.name for t in left if t.is_alive()]
    assert not alive, f"threads still running after the test: {alive}"


class FreshContextClient(FlaskClient):
    """Each request gets its own app context, session and g, as in production.

    Tests hold an app context open for the services; without this, Flask would reuse
    it for requests and share g (the logged-in user) and the session across them.
    """

    def open(self, *args, **kwargs):
        db.session.commit()  # end the test's transaction so it sees what the request writes
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture
def client(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


class Browser:
    """A test client that signs in and sends the session's CSRF token like a real form."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def login(self, email, password="password123", remember=False):
        page = self.client.get("/login")
        token = TOKEN.search(page.get_data(as_text=True)).group(1)
        data = {"email": email, "password": password, "csrf_token": token}
        if remember:
            data["remember"] = "on"
        response = self.client.post("/login", data=data)
        self.token = self._token()
        return response

    def _token(self):
        page = self.client.get("/knowledge/training")
        match = TOKEN.search(page.get_data(as_text=True))
        return match.group(1) if match else None

    def get(self, url, hx=False, **kw):
        return self.client.get(url, headers=_hx(hx), **kw)

    def post(self, url, data=None, hx=False, csrf=True, **kw):
        data = dict(data or {})
        if csrf and self.token:
            data.setdefault("csrf_token", self.token)
        return self.client.post(url, data=data, headers=_hx(hx), **kw)


def _hx(hx):
    return {"HX-Request": "true"} if hx else {}


@pytest.fixture
def admin():
    return factories.make_user(email="admin@example.com", name="Ada Admin", role="admin")


@pytest.fixture
def agent():
    return factories.make_user(email="sara@example.com", name="Sara Lind")


@pytest.fixture
def as_admin(client, admin):
    browser = Browser(client)
    browser.login(admin.email)
    return browser


@pytest.fixture
def as_agent(client, agent):
    browser = Browser(client)
    browser.login(agent.email)
    return browser


@pytest.fixture
def frozen():
    """Freeze the clock; returns a setter for moving it."""
    from datetime import datetime
    start = datetime(2026, 11, 24, 9, 0, 0)
    clock.set_now(start)

    def move(to):
        clock.set_now(to)
        return to
    move.start = start
    return move


@pytest.fixture
def two_servers(app):
    """Two Halo server processes sharing one real Redis (HALO_TEST_REDIS_URL); yields their URLs."""
    import subprocess
    import sys
    redis = os.environ.get("HALO_TEST_REDIS_URL")
    if not redis:
        pytest.skip("HALO_TEST_REDIS_URL is not set (needs a real Redis)")
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=redis,
               SECRET_KEY=app.config["SECRET_KEY"])
    procs = [subprocess.Popen([sys.executable, "-m", "tests.integration.chat_server"], env=env,
                              stdout=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        urls = [p.stdout.readline().strip() for p in procs]
        assert all(urls), "a server process exited before serving"
        yield urls
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            p.stdout.close()


@pytest.fixture
def live_server(app):
    """Serve the test app on a free 127.0.0.1 port in a thread; yields the base URL."""
    import threading

    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    db.session.commit()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(5)


__all__ = ["Browser", "text"]
