"""Login, logout, remember me, and Settings > Team."""
from halo.extensions import db
from halo.models import User
from halo.services.settings import get_setting
from tests.conftest import Browser
from tests.factories import make_ticket, make_user


def test_login_wrong_password_and_open_redirect(client, agent):
    browser = Browser(client)
    assert browser.login(agent.email, "nope").status_code == 401
    response = browser.login(agent.email)
    assert response.status_code == 302 and response.location.endswith("/inbox/open")
    page = client.get("/login?next=https://evil.example/")
    assert page.status_code == 302 and "evil" not in page.location


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
