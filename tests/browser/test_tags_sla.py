"""A person's path: tag a ticket from its header with the suggestions (keyboard only), then
read the inbox sorted by SLA due time, the overdue ticket first with its badge."""
from datetime import datetime, timedelta

from playwright.sync_api import expect

from halo import clock
from halo.services.service_levels import policies, sla
from halo.services.tickets import tags as ticket_tags
from tests.browser.conftest import sign_in
from tests.factories import make_ticket, make_user

FRIDAY_NINE = datetime(2026, 12, 4, 9, 0)


def test_tag_from_the_header_then_the_inbox_by_due_time(live_server, new_page):
    ada = make_user(email="ada@example.com", name="Ada Park")
    policies.save_policy(None, {"name": "Standard", "first_response": "1 h"})
    clock.set_now(FRIDAY_NINE)
    late = make_ticket(now=FRIDAY_NINE, subject="Waiting since nine")
    clock.set_now(FRIDAY_NINE + timedelta(minutes=40))
    soon = make_ticket(now=clock.now(), subject="Asked at twenty to ten")
    ticket_tags.change_tag(make_ticket(now=clock.now(), subject="Tagged before", status="resolved").id,
                           "refund", ada.id, add=True)
    now = FRIDAY_NINE + timedelta(minutes=70)
    clock.set_now(now)
    sla.check(now)

    page = new_page()
    sign_in(page, live_server, ada.email)
    page.goto(f"{live_server}/tickets/{soon.id}")
    page.wait_for_load_state()  # the shortcut keys once the deferred scripts have run
    page.keyboard.press("t")
    box = page.locator(f"#ticket-{soon.id}-tag-input")
    expect(box).to_be_focused()
    box.type("ref")
    option = page.locator(f"#ticket-{soon.id}-tag-options [role=option]", has_text="refund")
    create = page.locator(f"#ticket-{soon.id}-tag-options .tag-option-new[data-tag=ref]")
    expect(create).to_be_visible()  # the answer for "ref" itself (not for the focus, or "r") has landed
    expect(option).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(option).to_have_attribute("aria-selected", "true")  # the best match is picked first
    page.keyboard.press("ArrowDown")
    expect(create).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", f"ticket-{soon.id}-tag-options-new")
    page.keyboard.press("ArrowUp")
    expect(option).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    expect(page.locator(f"#ticket-{soon.id}-tags .tag-list .tag", has_text="refund")).to_be_visible()
    expect(page.locator("#thread")).to_contain_text("refund")
    expect(page.locator(f"#ticket-{soon.id}-tag-input")).to_be_focused()  # ready for another
    assert ticket_tags.tags_of([soon.id])[soon.id] == ["refund"]

    page.goto(f"{live_server}/inbox/open")
    page.select_option("#filter-bar select[name=sort]", "sla")
    expect(page).to_have_url(f"{live_server}/inbox/open?sort=sla")
    rows = page.locator("#ticket-rows tr.ticket-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_id(f"ticket-row-{late.id}")
    expect(rows.nth(0).locator(".sla-badge-breached")).to_have_text("Overdue 10 min")
    expect(rows.nth(1)).to_have_id(f"ticket-row-{soon.id}")
    expect(rows.nth(1).locator(".sla-badge-soon")).to_have_text("Due in 30 min")
    expect(rows.nth(1).locator(".row-tags .tag")).to_have_text("refund")
