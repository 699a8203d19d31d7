"""A person merges a customer's two tickets from the ticket page, then undoes it."""
from playwright.sync_api import expect

from halo.extensions import db
from halo.models import Ticket
from tests.browser.conftest import sign_in
from tests.factories import make_customer, make_ticket, make_user


def test_merge_two_tickets_then_undo(live_server, new_page):
    ada = make_user(email="ada@example.com", name="Ada Park")
    customer = make_customer(name="Maya Costa", email="maya@example.org")
    first = make_ticket(customer, subject="Order late", body="My order #881 is late.")
    second = make_ticket(customer, subject="Still waiting", body="Any update on #881?")
    make_ticket(make_customer(email="other@example.org"), subject="Someone else")
    db.session.commit()

    page = new_page()
    sign_in(page, live_server, ada.email)
    page.goto(f"{live_server}/tickets/{first.id}")
    page.click(".merge-open")
    options = page.locator(".merge-candidates li")
    expect(options).to_have_count(1)
    expect(options).to_contain_text("Still waiting")
    page.check(f".merge-candidates input[value='{second.id}']")
    page.click(".merge-form button[type=submit]")

    expect(page.locator("#thread")).to_contain_text("Any update on #881?")
    expect(page.locator("#thread .chip-origin")).to_have_text(f"from #{second.id}")
    expect(page.locator("#thread .item-event").last).to_contain_text(f"merged #{second.id} into this ticket")
    db.session.expire_all()
    assert db.session.get(Ticket, second.id).merged_into_id == first.id

    page.click("#thread .undo-merge")
    expect(page.locator("#thread .item-event").last).to_contain_text("undid the merge")
    expect(page.locator("#thread")).not_to_contain_text("Any update on #881?")
    db.session.expire_all()
    restored = db.session.get(Ticket, second.id)
    assert (restored.status, restored.merged_into_id) == ("open", None)
    page.goto(f"{live_server}/tickets/{second.id}")
    expect(page.locator("#thread")).to_contain_text("Any update on #881?")
