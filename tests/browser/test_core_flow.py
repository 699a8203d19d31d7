"""A person's path: prioritise, assign, mention; the teammate finds it in Mentions."""
from playwright.sync_api import expect

from halo.extensions import db
from halo.models import Ticket
from tests.browser.conftest import sign_in
from tests.factories import make_customer, make_ticket, make_user


def test_priority_assign_mention_then_teammate_sees_mention(live_server, new_page, tmp_path):
    ada = make_user(email="ada@example.com", name="Ada Park")
    ben = make_user(email="ben@example.com", name="Ben Cho")
    customer = make_customer(name="Maya Costa", traits={"plan": "pro", "company": "Kettle & Co"})
    ticket = make_ticket(customer=customer, subject="Refund for duplicate charge",
                         body="I was charged twice for March.")
    db.session.commit()

    a = new_page()
    sign_in(a, live_server, ada.email)
    a.click(f"#ticket-row-{ticket.id} .what a")
    expect(a.locator("h1")).to_have_text("Refund for duplicate charge")
    expect(a.locator(".profile")).to_contain_text("Kettle & Co")
    a.wait_for_load_state()  # htmx (a deferred script) drives the controls below

    a.select_option(f"#status-{ticket.id}", "priority")
    expect(a.locator("#thread .item-event").last).to_contain_text("set status to Priority")
    expect(a.locator("#view-counts [data-view=priority] .count")).to_have_text("1")

    a.select_option(f"#assignee-{ticket.id}", str(ben.id))
    expect(a.locator("#thread .item-event").last).to_contain_text("assigned this ticket to Ben Cho")

    a.click("#composer .tab >> text=Note")
    expect(a.locator("#composer input[name=mode]")).to_have_value("note")  # the swap landed
    box = a.locator("#composer textarea")
    box.click()
    box.type("Can @be")
    expect(a.locator(".mention-menu li.active")).to_contain_text("Ben Cho")
    a.keyboard.press("Enter")
    box.type("check the refund?")
    expect(box).to_have_value(f"Can @{ben.handle} check the refund?")
    a.click("#composer button[type=submit]")
    note = a.locator("#thread .item-note").last
    expect(note).to_contain_text(f"@{ben.handle} check the refund?")
    expect(note.locator(".badge-note")).to_have_text("Internal Note")
    expect(box).to_have_value("")
    a.screenshot(path=str(tmp_path / "ticket.png"), full_page=True)

    db.session.expire_all()
    saved = db.session.get(Ticket, ticket.id)
    assert (saved.status, saved.assignee_id) == ("priority", ben.id)

    b = new_page()
    sign_in(b, live_server, ben.email)
    expect(b.locator("#mentions-badge")).to_have_text("1")
    b.click("#view-counts [data-view=mentions]")
    expect(b.locator(f"#ticket-row-{ticket.id}")).to_be_visible()
    b.click(f"#ticket-row-{ticket.id} .what a")
    expect(b.locator("#thread .item-note").last).to_contain_text("check the refund?")
    b.goto(live_server + "/inbox/mentions")
    expect(b.locator(f"#ticket-row-{ticket.id}")).to_have_count(0)
    expect(b.locator("#mentions-badge")).to_have_count(0)


def test_invalid_snooze_shows_reason_next_to_control(live_server, new_page):
    ada = make_user(email="ada@example.com", name="Ada Park")
    ticket = make_ticket()
    db.session.commit()
    page = new_page()
    sign_in(page, live_server, ada.email)
    page.goto(f"{live_server}/tickets/{ticket.id}")
    page.click(".snooze summary")
    page.fill("input[name=until]", "2001-01-01T09:00")
    page.click(".snooze button:text-is('Snooze')")
    expect(page.locator(f"#ticket-{ticket.id}-status .field-error")).to_contain_text("future")
