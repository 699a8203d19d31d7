"""Notifications in a real Chromium: Ada switches desktop notifications on in her profile;
when Ben assigns her a ticket, her open inbox's badge counts it and the browser shows a
desktop notification that opens the ticket."""
from playwright.sync_api import expect

from halo.extensions import db
from halo.services.notifications import prefs
from halo.services.tickets import assignment
from tests.browser.conftest import sign_in
from tests.factories import make_ticket, make_user

# Stands in for the browser's Notification (headless Chromium has no notification centre):
# records what the page asked to show, and lets a test click it.
RECORD = """
window.__shown = [];
window.Notification = class {
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
  constructor(title, options) {
    this.title = title; Object.assign(this, options); window.__shown.push(this);
    document.documentElement.dataset.shown = String(window.__shown.length);  // for expect()
  }
  close() {}
};
"""


def test_profile_switch_then_an_assignment_shows_on_the_desktop(live_server, new_page):
    ada = make_user(email="ada@example.com", name="Ada Park")
    ben = make_user(email="ben@example.com", name="Ben Cho")
    ticket = make_ticket(subject="Printer on fire")
    page = new_page()
    page.add_init_script(RECORD)
    sign_in(page, live_server, ada.email)
    page.goto(f"{live_server}/profile")
    form = page.locator("#profile-notifications")
    form.get_by_role("button", name="Allow in this browser").click()
    expect(page.locator("#desktop-permission")).to_have_text("Allowed in this browser.")
    form.get_by_label("Show notifications on the desktop while Halo is open").check()
    form.get_by_label("someone mentions you in a note").uncheck()
    form.get_by_role("button", name="Save notifications").click()
    expect(page.locator(".flash")).to_contain_text("Notification settings saved.")
    db.session.expire_all()
    saved = prefs.of(ada)
    assert saved.desktop and "mention" not in saved.email and "assigned" in saved.email

    page.goto(f"{live_server}/inbox/open")
    expect(page.locator("#live-socket")).to_have_attribute("data-state", "live")
    expect(page.locator("body")).to_have_attribute("data-desktop", "on")
    assignment.assign_ticket(ticket.id, ada.id, ben.id)
    expect(page.locator("#nav-notifications .badge-count")).to_have_text("1")
    expect(page.locator("html")).to_have_attribute("data-shown", "1")
    shown = page.evaluate("window.__shown.map(n => [n.title, n.body])")
    assert shown == [["Halo", f"Ben Cho assigned you #{ticket.id}: Printer on fire"]]
    page.evaluate("window.__shown[0].onclick()")
    page.wait_for_url(f"**/tickets/{ticket.id}")


def test_an_sla_warning_reaches_the_open_inbox_before_the_breach(live_server, new_page):
    from datetime import datetime

    from halo import clock
    from halo.services.notifications.prefs import save
    from halo.services.service_levels import policies, sla
    ada = make_user(email="ada@example.com", name="Ada Park")
    save(ada.id, [], True, True, False, True)  # desktop on, nothing by email
    policies.save_policy(None, {"name": "Standard", "first_response": "1 h", "active": "on"})
    clock.set_now(datetime(2026, 12, 4, 9, 0))
    ticket = make_ticket(subject="Invoice missing", assignee_id=ada.id)
    page = new_page()
    page.add_init_script(RECORD)
    sign_in(page, live_server, ada.email)
    page.goto(f"{live_server}/inbox/open")
    expect(page.locator("#live-socket")).to_have_attribute("data-state", "live")
    clock.set_now(datetime(2026, 12, 4, 9, 46))
    assert sla.check()["warned"] == 1
    expect(page.locator("#nav-notifications .badge-count")).to_have_text("1")
    expect(page.locator("html")).to_have_attribute("data-shown", "1")
    assert page.evaluate("window.__shown[0].body") == \
        f"SLA warning: First response due in 14 min on #{ticket.id} Invoice missing"
    page.goto(f"{live_server}/notifications")
    expect(page.get_by_text(f"SLA warning: First response due in 14 min on #{ticket.id}")).to_be_visible()
