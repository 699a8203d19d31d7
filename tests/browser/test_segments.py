"""A person's path: filter the inbox, save the filter as a segment, find it in the sidebar."""
from playwright.sync_api import expect

from halo.extensions import db
from halo.services.inbox import segment_counts
from tests.browser.conftest import sign_in
from tests.factories import make_customer, make_ticket, make_user


def test_build_filter_save_segment_see_it_in_sidebar_with_count(live_server, new_page):
    segment_counts.reset_cache()
    ada = make_user(email="ada@example.com", name="Ada Park")
    pro = make_customer(name="Maya Costa", traits={"plan": "pro"})
    free = make_customer(name="Leo Free", traits={"plan": "free"})
    wanted = [make_ticket(customer=pro, subject=f"Pro question {i}") for i in range(3)]
    make_ticket(customer=free, subject="Free question")
    db.session.commit()

    page = new_page()
    sign_in(page, live_server, ada.email)
    expect(page.locator("#ticket-rows tr.ticket-row")).to_have_count(4)

    page.fill("#filter-bar input[name=trait]", "plan:pro")
    page.click("#filter-bar button[type=submit]")
    expect(page.locator("#ticket-rows tr.ticket-row")).to_have_count(3)
    expect(page.locator("#result-count")).to_have_text("3 tickets match")
    expect(page).to_have_url(live_server + "/inbox/open?trait=plan%3Apro")  # shareable
    page.wait_for_load_state("networkidle")  # leaving the field also fires a change: let it land
    for t in wanted:
        expect(page.locator(f"#ticket-row-{t.id}")).to_be_visible()

    page.click(".save-segment summary")
    page.fill(".save-segment input[name=name]", "Pro customers")
    page.select_option(".save-segment select[name=visibility]", "team")
    page.click(".save-segment button[type=submit]")

    link = page.locator("#segment-list a", has_text="Pro customers")
    expect(link).to_be_visible()
    expect(link.locator(".count")).to_have_text("3")
    expect(link).to_have_class("nav-link active")

    page.goto(live_server + "/inbox/open")  # from elsewhere, the sidebar link brings it back
    page.locator("#segment-list a", has_text="Pro customers").click()
    expect(page.locator("#ticket-rows tr.ticket-row")).to_have_count(3)
    # The rows are in the HTML; the shortcut keys only once the deferred scripts have run.
    page.wait_for_load_state()

    page.keyboard.press("?")  # the shortcut list
    expect(page.locator("#shortcut-help")).to_contain_text("Assign to me")
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    expect(page.locator("#ticket-rows tr.kbd-current")).to_have_count(1)


def test_filter_by_several_statuses_at_once(live_server, new_page):
    ada = make_user(email="ada@example.com", name="Ada Park")
    urgent = make_ticket(subject="Urgent one", status="priority")
    working = make_ticket(subject="Being worked on", status="in_progress")
    make_ticket(subject="Plain open one")
    make_ticket(subject="Done and dusted", status="resolved")
    db.session.commit()

    page = new_page()
    sign_in(page, live_server, ada.email)
    page.goto(live_server + "/inbox/all")
    expect(page.locator("#ticket-rows tr.ticket-row")).to_have_count(4)
    status = page.locator("#filter-bar details[data-filter=status]")
    status.locator("summary").click()
    status.get_by_label("Priority").check()
    expect(page.locator("#ticket-rows tr.ticket-row")).to_have_count(1)
    status.get_by_label("In Progress").check()
    expect(page.locator("#ticket-rows tr.ticket-row")).to_have_count(2)
    expect(status.locator("summary")).to_have_text("Priority, In Progress")
    for t in (urgent, working):
        expect(page.locator(f"#ticket-row-{t.id}")).to_be_visible()
    expect(page).to_have_url(live_server + "/inbox/all?status=in_progress%2Cpriority")
    page.reload()  # the URL alone brings the same list and the same ticks back
    expect(page.locator("#ticket-rows tr.ticket-row")).to_have_count(2)
    expect(status.locator("summary")).to_have_text("Priority, In Progress")
    page.locator("h1").click()  # a click elsewhere closes the menu
    expect(status.locator(".filter-menu")).to_be_hidden()
