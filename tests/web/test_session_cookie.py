"""The session cookie's signature is checked once per process for each cookie text
(halo/security/sessions.py): what Flask would refuse is still refused."""
import time
from datetime import timedelta

import pytest
from flask import Flask, flash, get_flashed_messages, session

from halo.security.sessions import KeptSignatureSessionInterface


@pytest.fixture
def tiny():
    app = Flask("tiny")
    app.config.update(SECRET_KEY="one", PERMANENT_SESSION_LIFETIME=timedelta(seconds=60))
    app.session_interface = KeptSignatureSessionInterface(kept=2)

    @app.get("/set/<value>")
    def set_value(value):
        session["value"] = value
        return "ok"

    @app.get("/get")
    def get_value():
        return session.get("value", "-")

    @app.get("/flash")
    def add_flash():
        flash("saved")
        return "ok"

    @app.get("/flashes")
    def flashes():
        return ",".join(get_flashed_messages()) or "-"
    return app


def _cookie(app, path):
    client = app.test_client()
    client.get(path)
    return client.get_cookie("session").value


def _get(app, cookie, path="/get"):
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client.get(path).text


def test_a_kept_cookie_reads_as_itself_and_a_tampered_one_is_refused(tiny):
    cookie = _cookie(tiny, "/set/ada")
    assert _get(tiny, cookie) == "ada" and _get(tiny, cookie) == "ada"  # checked, then kept
    payload, stamp, signature = cookie.rsplit(".", 2)
    forged = _cookie(tiny, "/set/eve").rsplit(".", 2)[0] + f".{stamp}.{signature}"
    assert _get(tiny, forged) == "-"
    assert _get(tiny, cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB")) == "-"


def test_a_kept_cookie_expires_with_the_session_lifetime(tiny, monkeypatch):
    cookie = _cookie(tiny, "/set/ada")
    assert _get(tiny, cookie) == "ada"
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 61)
    assert _get(tiny, cookie) == "-"


def test_each_request_gets_its_own_session(tiny):
    cookie = _cookie(tiny, "/set/ada")
    assert _get(tiny, cookie, "/flash") == "ok"  # appends to the session's list in place
    assert _get(tiny, cookie, "/flashes") == "-"  # the same old cookie has no flash


def test_a_new_secret_key_forgets_what_the_old_one_verified(tiny):
    cookie = _cookie(tiny, "/set/ada")
    assert _get(tiny, cookie) == "ada"
    tiny.config["SECRET_KEY"] = tiny.secret_key = "two"
    assert _get(tiny, cookie) == "-"


def test_the_table_is_bounded(tiny):
    for name in ("a", "b", "c"):
        assert _get(tiny, _cookie(tiny, f"/set/{name}")) == name
    assert len(tiny.session_interface._signed_at) == 2
