"""Pushed rows and the list's order: a changed ticket's row lands on top of the plain view
only. Once the filter bar filters or re-sorts the list (an HTMX swap, the same page), the
socket is told and pushes counts alone; cleared again, rows come back."""
from playwright.sync_api import expect

from halo.services.tickets import status
from tests.browser.conftest import sign_in
from tests.factories import make_ticket, make_user


def test_a_filtered_list_takes_no_pushed_rows_and_the_plain_view_takes_them_again(live_server, new_page, frozen):
    ada = make_user(email="ada@example.com", name="Ada Park")
    mail = make_ticket(subject="Invoice copy", channel="email", now=frozen.start)
    chat = make_ticket(subject="Widget question", channel="chat", now=frozen.start)
    page = new_page()
    sign_in(page, live_server, ada.email)
    expect(page.locator("#live-socket")).to_have_attribute("data-state", "live")
    rows = page.locator("#ticket-rows tr.ticket-row")
    expect(rows).to_have_count(2)

    page.locator("details[data-filter=channel] summary").click()
    page.locator("details[data-filter=channel] input[value=chat]").check()
    expect(page).to_have_url(f"{live_server}/inbox/open?channel=chat")
    expect(rows).to_have_count(1)
    expect(page.locator("#live-socket")).to_have_attribute("data-view", "")

    status.change_status(mail.id, "priority", None)  # an email ticket: not in this list
    expect(page.locator("#view-counts [data-view=priority] .count")).to_have_text("1")  # the push came
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Widget question")

    page.locator("details[data-filter=channel] input[value=chat]").uncheck()
    expect(page).to_have_url(f"{live_server}/inbox/open")
    expect(page.locator("#live-socket")).to_have_attribute("data-view", "open")
    expect(rows).to_have_count(2)
    status.change_status(chat.id, "priority", None)
    expect(page.locator("#view-counts [data-view=priority] .count")).to_have_text("2")
    expect(rows.first).to_contain_text("Widget question")
    status.change_status(mail.id, "in_progress", None)
    expect(rows.first).to_contain_text("Invoice copy")  # moved to the top by the push
    expect(rows).to_have_count(2)


def test_a_push_still_meant_for_the_plain_view_is_not_applied_to_a_filtered_list(live_server, new_page,
                                                                                   frozen, monkeypatch):
    """The filter bar's swap and the socket's next push can cross: the server has not yet
    read that the list is filtered. Held here for good (the view frame ignored), the push of
    the plain view's row and count arrives, and the filtered list keeps its own."""
    from halo.blueprints.live import ws as agent_ws
    heard = agent_ws.AgentPage.on_frame
    monkeypatch.setattr(agent_ws.AgentPage, "on_frame",
                        lambda self, data: None if data.get("type") == "view" else heard(self, data))
    ada = make_user(email="ada@example.com", name="Ada Park")
    mail = make_ticket(subject="Invoice copy", channel="email", now=frozen.start)
    make_ticket(subject="Widget question", channel="chat", now=frozen.start)
    page = new_page()
    sign_in(page, live_server, ada.email)
    expect(page.locator("#live-socket")).to_have_attribute("data-state", "live")
    page.locator("details[data-filter=channel] summary").click()
    page.locator("details[data-filter=channel] input[value=chat]").check()
    expect(page.locator("#result-count")).to_have_text("1 ticket matches")

    status.change_status(mail.id, "priority", None)  # the server still lists Open: it pushes the row
    expect(page.locator("#view-counts [data-view=priority] .count")).to_have_text("1")
    expect(page.locator("#ticket-rows tr.ticket-row")).to_have_count(1)
    expect(page.locator("#result-count")).to_have_text("1 ticket matches")
