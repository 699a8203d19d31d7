"""The audit log: sign-ins and failed ones, teammate and settings changes, exports, with who,
when and from where; admins read it in Settings > Security, newest first, page by page."""
import re
from datetime import timedelta

from halo.extensions import db
from halo.models import AuditEvent, User
from halo.services import audit
from tests.conftest import TOKEN, Browser

UA = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"}


def _lines(action=None):
    db.session.expire_all()
    query = db.select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalars(query).all()


def test_sign_ins_and_failures_say_who_when_and_from_where(client, agent, frozen):
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"email": "Sara@Example.com ", "password": "nope", "csrf_token": token},
                headers=UA, environ_base={"REMOTE_ADDR": "203.0.113.50"})
    client.post("/login", data={"email": agent.email, "password": "password123", "csrf_token": token},
                headers=UA, environ_base={"REMOTE_ADDR": "203.0.113.51"})
    failed, signed_in = _lines()
    assert (failed.action, failed.actor_id, failed.actor_email, failed.address) == (
        "sign_in_failed", None, "Sara@Example.com", "203.0.113.50")
    assert (signed_in.action, signed_in.actor_id, signed_in.address) == ("sign_in", agent.id, "203.0.113.51")
    assert signed_in.user_agent == UA["User-Agent"] and signed_in.created_at == frozen.start


def test_teammate_changes_are_recorded_with_what_changed(as_admin, admin):
    as_admin.post("/settings/team", {"name": "Nina Ray", "email": "nina@example.com",
                                     "password": "password123", "role": "agent"})
    [added] = _lines("teammate_added")
    assert (added.actor_id, added.target, added.detail) == (admin.id, "nina@example.com", {"role": "agent"})
    user = db.session.scalar(db.select(User).where(User.email == "nina@example.com"))
    as_admin.post(f"/settings/team/{user.id}", {"name": "Nina Ray", "email": "nina@example.com", "role": "admin",
                                                "password": "another-pass"})
    [changed] = _lines("teammate_changed")
    assert changed.detail == {"role": "admin", "active": False, "password": "(changed)"}
    assert _lines("settings_changed") == []  # the service's own lines, not the generic one


def test_settings_posts_are_recorded_with_values_but_never_secrets(as_admin, admin):
    as_admin.post("/settings/inbox-views", {"auto_assign_on_reply": "on"})
    [line] = _lines("settings_changed")
    assert (line.actor_id, line.target, line.detail) == (admin.id, "/settings/inbox-views",
                                                        {"auto_assign_on_reply": "on"})
    as_admin.post("/settings/chat-widget", {"allowed_origins": "https://shop.example", "rotate_secret": "on"})
    second = _lines("settings_changed")[1]
    assert second.target == "/settings/chat-widget"
    assert second.detail == {"allowed_origins": "https://shop.example", "rotate_secret": "(set)"}


def test_a_refused_settings_post_records_nothing(as_admin):
    assert as_admin.post("/settings/team", {"name": "", "email": "bad"}).status_code == 400
    assert [line.action for line in _lines()] == ["sign_in"]


def test_an_export_through_the_service_names_actor_and_target(app, admin):
    audit.set_origin("198.51.100.8", "curl/8.5")
    audit.record(admin.id, "export", "tickets.csv", {"rows": 120, "filter": "status=open"})
    [line] = _lines("export")
    assert (line.actor_email, line.target, line.detail, line.address, line.user_agent) == (
        "admin@example.com", "tickets.csv", {"rows": 120, "filter": "status=open"}, "198.51.100.8", "curl/8.5")


def test_admins_read_the_log_newest_first_page_by_page(as_admin, admin, frozen):
    for n in range(60):
        audit.record(admin.id, "export", f"export-{n}.csv", now=frozen.start + timedelta(seconds=n))
    page = as_admin.get("/settings/security").get_data(as_text=True)
    targets = re.findall(r"exported: (export-\d+\.csv)", page)
    assert len(re.findall(r'<tr id="audit-\d+"', page)) == 50
    assert targets == [f"export-{n}.csv" for n in range(59, 9, -1)]  # newest first
    older = re.search(r'id="audit-older" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    rest = as_admin.get(older).get_data(as_text=True)
    assert re.findall(r"exported: (export-\d+\.csv)", rest) == [f"export-{n}.csv" for n in range(9, -1, -1)]
    assert "signed in" in rest  # the admin's sign-in, oldest of all
    assert 'id="audit-older"' not in rest
    only = as_admin.get("/settings/security?action=sign_in").get_data(as_text=True)
    assert len(re.findall(r'<tr id="audit-\d+"', only)) == 1 and "signed in" in only
    assert as_admin.get("/settings/security?action=nonsense").status_code == 404
    assert as_admin.get("/settings/security?before=abc").status_code == 200  # ignored, not a 500


def test_agents_cannot_read_the_log(as_agent):
    assert as_agent.get("/settings/security").status_code == 403


def test_sign_out_is_recorded(client, agent):
    browser = Browser(client)
    browser.login(agent.email)
    browser.post("/logout")
    assert [line.action for line in _lines()] == ["sign_in", "sign_out"]
