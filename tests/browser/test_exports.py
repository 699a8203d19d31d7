"""A person's path: filter the inbox, press Export CSV, get the file of what the filter keeps
(all of it, not the page shown), named by view and date, readable as UTF-8."""
import csv

from playwright.sync_api import expect

from halo.extensions import db
from tests.browser.conftest import sign_in
from tests.factories import make_customer, make_ticket, make_user


def test_export_the_filtered_inbox_as_a_spreadsheet_file(live_server, new_page, app, frozen):
    app.config["HALO_PAGE_SIZE"] = 2  # more rows match than the page shows
    ada = make_user(email="ada@example.com", name="Ada Park")
    pro = make_customer(name="Zoë Ångström", traits={"plan": "pro"})
    wanted = {make_ticket(customer=pro, subject=f"Pro question {i}").id for i in range(3)}
    make_ticket(customer=make_customer(traits={"plan": "free"}), subject="Free question")
    db.session.commit()

    page = new_page()
    sign_in(page, live_server, ada.email)
    page.goto(live_server + "/inbox/open?trait=plan%3Apro")
    expect(page.locator("#result-count")).to_have_text("3 tickets match")
    expect(page.locator("#ticket-rows tr.ticket-row")).to_have_count(2)
    with page.expect_download() as info:
        page.click("#export-tickets")
    download = info.value
    assert download.suggested_filename == "halo-tickets-open-2026-11-24.csv"
    with open(download.path(), encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {int(r["id"]) for r in rows} == wanted
    assert {r["customer_name"] for r in rows} == {"Zoë Ångström"}
