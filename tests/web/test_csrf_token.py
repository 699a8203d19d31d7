"""The CSRF token a page carries (halo/web.py csrf_token_once): signed once per session
token and process, and still what Flask-WTF accepts and refuses."""
from halo import web
from tests.conftest import TOKEN, Browser
from tests.factories import make_user


def _page_token(client):
    return TOKEN.search(client.get("/knowledge/training").text).group(1)


def test_a_session_keeps_one_signed_token_and_forms_accept_it(client, agent):
    browser = Browser(client)
    browser.login(agent.email)
    first = _page_token(client)
    assert _page_token(client) == first  # not signed again for the next page
    assert browser.post("/profile/language", data={"locale": "es", "csrf_token": first}).status_code == 303
    assert browser.post("/profile/language", data={"locale": "", "csrf_token": "x" + first[1:]}).status_code == 400


def test_another_session_gets_its_own_token_and_cannot_use_the_first(app, agent):
    make_user(email="sam@example.com", name="Sam")
    one, two = app.test_client(), app.test_client()
    Browser(one).login(agent.email)
    Browser(two).login("sam@example.com")
    token_one = _page_token(one)
    assert _page_token(two) != token_one
    refused = two.post("/profile/language", data={"locale": "es", "csrf_token": token_one})
    assert refused.status_code == 400


def test_a_new_secret_key_signs_afresh(app, client, agent):
    Browser(client).login(agent.email)
    before = _page_token(client)
    app.secret_key = app.config["SECRET_KEY"] = "another-secret-key-for-this-test"
    try:
        Browser(client).login(agent.email)  # the old session cookie no longer verifies
        token = _page_token(client)
        assert token != before
        assert client.post("/profile/language", data={"locale": "es", "csrf_token": token}).status_code == 303
    finally:
        web._SIGNED_CSRF.clear()


def test_the_table_is_bounded(app, client, agent, monkeypatch):
    monkeypatch.setattr(web, "_SIGNED_CSRF_BOUND", 2)
    web._SIGNED_CSRF.clear()
    for n in range(5):
        fresh = app.test_client()
        Browser(fresh).login(agent.email)
    assert len(web._SIGNED_CSRF) <= 2


def test_a_time_limited_token_is_signed_per_request(app, client, agent):
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    web._SIGNED_CSRF.clear()
    Browser(client).login(agent.email)
    token = _page_token(client)
    assert not web._SIGNED_CSRF  # nothing kept: each request signs with its own time
    assert client.post("/profile/language", data={"locale": "es", "csrf_token": token}).status_code == 303
