"""Login, logout, remember me, expired sessions on HTMX requests, and Settings > Team."""
from urllib.parse import parse_qs, urlsplit

import pytest

from halo.extensions import db
from halo.models import Ticket, User
from halo.services.settings import get_setting
from tests.conftest import TOKEN, Browser
from tests.factories import make_ticket


def test_login_wrong_password_and_open_redirect(client, agent):
    browser = Browser(client)
    assert browser.login(agent.email, "nope").status_code == 401
    response = browser.login(agent.email)
    assert response.status_code == 302 and response.location.endswith("/inbox/open")
    page = client.get("/login?next=https://evil.example/")  # refused, not followed (test_redirects.py)
    assert page.status_code == 400 and page.location is None


def test_remember_me_sets_cookie(client, agent):
    response = Browser(client).login(agent.email, remember=True)
    assert "remember_token" in response.headers.get("Set-Cookie", "")


def test_logout_requires_post_with_csrf(as_agent):
    assert as_agent.get("/logout").status_code == 405
    assert as_agent.post("/logout", csrf=False).status_code == 400
    assert as_agent.post("/logout").status_code == 302
    assert as_agent.get("/inbox/open").status_code == 302


def test_admin_adds_edits_and_deactivates_teammate(as_admin, client):
    response = as_admin.post("/settings/team", {"name": "Nina Ray", "email": "nina@example.com",
                                                "password": "password123", "role": "agent"})
    assert response.status_code == 302
    nina = db.session.scalar(db.select(User).where(User.email == "nina@example.com"))
    ticket = make_ticket(assignee_id=nina.id)
    bad = as_admin.post("/settings/team", {"name": "Nina", "email": "nina@example.com", "password": "password123"})
    assert bad.status_code == 400 and "already exists" in bad.get_data(as_text=True)
    # Nina signs in on her own browser, then is deactivated: the session stops working.
    nina_browser = Browser(client.application.test_client())
    nina_browser.login("nina@example.com")
    assert nina_browser.get("/inbox/open").status_code == 200
    as_admin.post(f"/settings/team/{nina.id}", {"name": "Nina Ray", "email": "nina@example.com", "role": "agent"})
    db.session.expire_all()
    assert db.session.get(User, nina.id).active is False
    assert nina_browser.get("/inbox/open").status_code == 302
    assert Browser(client.application.test_client()).login("nina@example.com").status_code == 401
    # History stays; the picker no longer offers her.
    page = as_admin.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Nina Ray (deactivated)" in page and f'<option value="{nina.id}" selected disabled>' in page


def test_auto_assign_setting(as_admin):
    assert get_setting("auto_assign_on_reply") is False
    as_admin.post("/settings/inbox-views", {"auto_assign_on_reply": "on"})
    assert get_setting("auto_assign_on_reply") is True
    as_admin.post("/settings/inbox-views", {})
    assert get_setting("auto_assign_on_reply") is False


def test_directive_admin_edit_and_delete(as_admin, admin):
    ticket = make_ticket()
    as_admin.post(f"/tickets/{ticket.id}/messages", {"mode": "training", "body": "Always say hi."})
    page = as_admin.get("/knowledge/training").get_data(as_text=True)
    assert "Always say hi." in page and f"ticket #{ticket.id}" in page
    from halo.models import Directive
    d = db.session.scalar(db.select(Directive))
    as_admin.post(f"/knowledge/training/{d.id}", {"body": "Always say hello.", "enabled": ""})
    db.session.expire_all()
    assert (d.body, d.enabled) == ("Always say hello.", False)
    as_admin.post(f"/knowledge/training/{d.id}/delete")
    assert db.session.scalar(db.select(db.func.count(Directive.id))) == 0


def _login_target(url):
    """(path, next) of a login URL."""
    parts = urlsplit(url)
    return parts.path, parse_qs(parts.query).get("next")


def _anonymous_token(client):
    return TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)


def test_expired_session_htmx_requests_get_hx_redirect_to_login(client):
    ticket = make_ticket()
    page = f"http://localhost/tickets/{ticket.id}?compose=email"
    headers = {"HX-Request": "true", "HX-Current-URL": page, "X-CSRFToken": _anonymous_token(client)}
    post = client.post(f"/tickets/{ticket.id}/status", data={"status": "resolved"}, headers=headers)
    get = client.get("/inbox/counts", headers=headers)
    for response in (post, get):
        assert response.status_code == 401 and response.data == b"" and response.location is None
        assert _login_target(response.headers["HX-Redirect"]) == ("/login", [page[len("http://localhost"):]])
    assert db.session.get(Ticket, ticket.id).status == "open"
    assert "Please sign in to continue." in client.get("/login").get_data(as_text=True)


def test_htmx_post_with_no_session_at_all_gets_hx_redirect_not_a_csrf_error(client):
    ticket = make_ticket()
    headers = {"HX-Request": "true", "HX-Current-URL": f"http://localhost/tickets/{ticket.id}"}
    response = client.post(f"/tickets/{ticket.id}/status", data={"status": "resolved"}, headers=headers)
    assert response.status_code == 401
    assert _login_target(response.headers["HX-Redirect"]) == ("/login", [f"/tickets/{ticket.id}"])
    assert db.session.get(Ticket, ticket.id).status == "open"


@pytest.mark.parametrize("current, expected", [
    ("https://evil.example/phish", "/inbox/counts?view=open"),  # another site: the request's own path
    ("not a url", "/inbox/counts?view=open"),
    (None, "/inbox/counts?view=open"),
    ("http://localhost//evil.example/x", "/"),  # ours, but a browser would leave the site
    ("http://localhost/\\evil.example", "/"),
])
def test_next_page_is_only_ever_a_local_path(client, current, expected):
    headers = {"HX-Request": "true", **({"HX-Current-URL": current} if current else {})}
    response = client.get("/inbox/counts?view=open", headers=headers)
    assert response.status_code == 401
    assert _login_target(response.headers["HX-Redirect"]) == ("/login", [expected])


def test_a_form_posted_after_the_session_ended_returns_to_its_page_after_sign_in(client, agent):
    ticket = make_ticket()
    browser = Browser(client)
    browser.login(agent.email)
    token = browser.token
    agent.active = False  # the sign-in ends; the form on the open page still has its token
    db.session.commit()
    response = client.post(f"/tickets/{ticket.id}/status", data={"status": "resolved", "csrf_token": token},
                           headers={"Referer": f"http://localhost/tickets/{ticket.id}?compose=note"})
    assert response.status_code == 302
    assert _login_target(response.location) == ("/login", [f"/tickets/{ticket.id}?compose=note"])
    elsewhere = client.post("/logout", data={"csrf_token": token}, headers={"Referer": "https://evil.example/x"})
    assert _login_target(elsewhere.location) == ("/login", ["/"])  # never the POST-only /logout
    assert db.session.get(Ticket, ticket.id).status == "open"


def test_deactivated_teammate_htmx_request_gets_hx_redirect(client, agent):
    ticket = make_ticket()
    browser = Browser(client)
    browser.login(agent.email)
    agent.active = False
    db.session.commit()
    headers = {"HX-Request": "true", "HX-Current-URL": f"http://localhost/tickets/{ticket.id}",
               "X-CSRFToken": browser.token}
    response = client.post(f"/tickets/{ticket.id}/status", data={"status": "resolved"}, headers=headers)
    assert response.status_code == 401
    assert _login_target(response.headers["HX-Redirect"]) == ("/login", [f"/tickets/{ticket.id}"])
    assert db.session.get(Ticket, ticket.id).status == "open"


def test_plain_request_is_still_redirected_to_login(client):
    ticket = make_ticket()
    response = client.get(f"/tickets/{ticket.id}", headers={"HX-Current-URL": "http://localhost/inbox/open"})
    assert response.status_code == 302 and "HX-Redirect" not in response.headers
    assert _login_target(response.location) == ("/login", [f"/tickets/{ticket.id}"])
    assert "Please sign in to continue." in client.get(response.location).get_data(as_text=True)


def _drop_session_cookie(client):
    """What a browser does when it closes: session cookies go, the remember cookie stays."""
    assert client.get_cookie("session") is not None
    client.delete_cookie("session")


def test_remember_me_signs_in_again_without_the_session_cookie(client, agent):
    Browser(client).login(agent.email, remember=True)
    assert client.get_cookie("remember_token") is not None
    _drop_session_cookie(client)
    response = client.get("/inbox/open")
    assert response.status_code == 200 and agent.name in response.get_data(as_text=True)


def test_without_remember_me_a_closed_browser_is_signed_out(client, agent):
    Browser(client).login(agent.email)
    assert client.get_cookie("remember_token") is None
    _drop_session_cookie(client)
    response = client.get("/inbox/open")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_logout_forgets_the_remember_cookie(client, agent):
    browser = Browser(client)
    browser.login(agent.email, remember=True)
    assert browser.post("/logout").status_code == 302
    assert client.get_cookie("remember_token") is None
    _drop_session_cookie(client)
    assert client.get("/inbox/open").status_code == 302


def test_deactivated_teammate_remember_cookie_does_not_sign_in(client, agent):
    Browser(client).login(agent.email, remember=True)
    assert client.get_cookie("remember_token") is not None
    agent.active = False
    db.session.commit()
    _drop_session_cookie(client)
    response = client.get("/inbox/open")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_a_copy_of_the_remember_cookie_stops_working_at_sign_out(client, app, agent):
    browser = Browser(client)
    browser.login(agent.email, remember=True)
    stolen = client.get_cookie("remember_token").value
    browser.post("/logout")
    thief = app.test_client()
    thief.set_cookie("remember_token", stolen)
    response = thief.get("/inbox/open")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_signing_out_on_one_device_leaves_the_other_signed_in(client, app, agent):
    laptop, phone = Browser(client), Browser(app.test_client())
    laptop.login(agent.email, remember=True)
    phone.login(agent.email, remember=True)
    phone.post("/logout")
    assert phone.client.get("/inbox/open").status_code == 302
    assert laptop.client.get("/inbox/open").status_code == 200
    _drop_session_cookie(client)  # the laptop's browser restarts: its remember cookie still stands
    assert laptop.client.get("/inbox/open").status_code == 200


def test_a_new_password_ends_every_sign_in_but_an_edit_does_not(client, app, as_admin, agent):
    device = Browser(app.test_client())
    device.login(agent.email, remember=True)
    form = {"name": "Sara L.", "email": agent.email, "role": "agent", "active": "on"}
    as_admin.post(f"/settings/team/{agent.id}", form)
    assert device.client.get("/inbox/open").status_code == 200
    as_admin.post(f"/settings/team/{agent.id}", {**form, "password": "a-new-password"})
    response = device.client.get("/inbox/open")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert as_admin.get("/inbox/open").status_code == 200  # the admin's own sign-in stands


def test_a_session_from_before_sign_ins_were_recorded_asks_to_sign_in(client, agent):
    with client.session_transaction() as session:  # what Halo kept before: the id alone
        session["_user_id"], session["_fresh"] = str(agent.id), True
    response = client.get("/inbox/open")
    assert response.status_code == 302 and response.location.startswith("/login")


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example", "https://evil.example/"])
def test_sign_in_never_sends_the_browser_to_another_site(client, agent, target):
    """A crafted next is refused (400) before anyone signs in through it (test_redirects.py)."""
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login?next=" + target, data={
        "email": agent.email, "password": "password123", "csrf_token": token})
    assert response.status_code == 400 and response.location is None
    assert client.get("/inbox/open").status_code == 302  # not signed in
