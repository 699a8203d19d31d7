"""A person opens Contacts, finds a customer, merges a duplicate into them, then undoes it;
no console error or CSP violation on the way."""
from playwright.sync_api import expect

from halo.extensions import db
from halo.models import Customer, Ticket
from tests.browser.conftest import sign_in
from tests.browser.test_csp import _watch
from tests.factories import make_customer, make_ticket, make_user


def test_customers_list_page_merge_and_undo(live_server, new_page):
    ada = make_user(email="ada@example.com", name="Ada Park")
    maya = make_customer(name="Maya Costa", email="maya@acme.test", traits={"plan": "pro"})
    dupe = make_customer(name="Maya C", email="maya.c@gmail.com", traits={"city": "Porto"})
    make_customer(name="Other Olga", email="olga@else.test", traits={"plan": "free"})
    make_ticket(maya, subject="Invoice twice charged")
    moved = make_ticket(dupe, subject="Written from gmail")
    db.session.commit()
    maya_id, dupe_id, moved_id = maya.id, dupe.id, moved.id

    page = new_page()
    errors = _watch(page)
    sign_in(page, live_server, ada.email)
    page.click("nav.sidebar >> text=Contacts")
    expect(page.locator(".customer-row")).to_have_count(3)
    page.fill(".customer-search input[name=q]", "maya")  # searches as one types (HTMX swaps the results)
    expect(page.locator(".customer-row")).to_have_count(2)
    page.fill(".customer-search input[name=traits]", "plan:pro")
    page.press(".customer-search input[name=traits]", "Enter")
    expect(page.locator(".customer-row")).to_have_count(1)
    page.click(".customer-row >> text=Maya Costa")

    expect(page.locator("h1")).to_have_text("Maya Costa")
    expect(page.locator("#customer-tickets")).to_contain_text("Invoice twice charged")
    page.fill(".merge-customer-form input[name=source]", "maya.c@gmail.com")
    page.click(".merge-customer-form button[type=submit]")
    expect(page.locator(".flash")).to_contain_text("Merged Maya C into this customer")
    expect(page.locator("#customer-tickets")).to_contain_text("Written from gmail")
    expect(page.locator("#customer-traits input[name=value_city]")).to_have_value("Porto")
    db.session.expire_all()
    assert db.session.get(Customer, dupe_id) is None

    page.click(".undo-customer-merge")
    expect(page.locator(".flash")).to_contain_text("Merge undone")
    expect(page.locator("h1")).to_have_text("Maya C")
    expect(page.locator("#customer-tickets")).to_contain_text("Written from gmail")
    db.session.expire_all()
    assert db.session.get(Ticket, moved_id).customer_id == dupe_id
    page.goto(f"{live_server}/customers/{maya_id}")
    expect(page.locator("#customer-tickets")).not_to_contain_text("Written from gmail")
    expect(page.locator("#customer-merges")).to_contain_text("Undone")
    assert errors == []
