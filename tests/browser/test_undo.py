"""Undo in a real Chromium: resolve from the ticket header and take it back from the toast;
mark two tickets as spam from the inbox and bring them back; the toast's Undo is a keyboard
stop and stays while focused."""
from playwright.sync_api import expect

from halo.extensions import db
from halo.models import Ticket
from tests.browser.conftest import sign_in
from tests.factories import make_customer, make_ticket, make_user


def test_resolve_from_the_header_then_undo(live_server, new_page):
    ada = make_user(email="ada@example.com", name="Ada Park")
    ticket = make_ticket(customer=make_customer(name="Maya Costa"), subject="Refund", status="in_progress")
    page = new_page()
    sign_in(page, live_server, ada.email)
    page.goto(f"{live_server}/tickets/{ticket.id}")
    expect(page.locator("#live-socket")).to_have_attribute("data-state", "live")
    page.select_option("select[name=status]", "resolved")
    toast = page.locator("#toast")
    expect(toast).to_contain_text(f"Resolved #{ticket.id}.")
    undo = toast.get_by_role("button", name="Undo")
    undo.focus()
    undo.press("Enter")
    expect(page.locator(".flash")).to_contain_text(f"Undone: #{ticket.id} is back as it was.")
    expect(page.locator("select[name=status]")).to_have_value("in_progress")
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "in_progress"


def test_bulk_spam_from_the_inbox_then_undo(live_server, new_page):
    ada = make_user(email="ada@example.com", name="Ada Park")
    keep = [make_ticket(customer=make_customer(name=n), subject=s)
            for n, s in (("Maya Costa", "Refund twice"), ("Kofi Martin", "Export columns"))]
    page = new_page()
    sign_in(page, live_server, ada.email)
    for t in keep:
        page.check(f"#ticket-row-{t.id} input[name=ticket_ids]")
    page.select_option("select[name=do]", "spam")
    page.click("#bulk-form button[type=submit]")
    expect(page.locator(f"#ticket-row-{keep[0].id}")).to_have_count(0)
    toast = page.locator("#toast")
    expect(toast).to_contain_text("2 updated")
    toast.get_by_role("button", name="Undo").click()
    expect(toast).to_contain_text("Undone: 2 tickets are back as they were.")
    for t in keep:
        expect(page.locator(f"#ticket-row-{t.id}")).to_be_visible()
