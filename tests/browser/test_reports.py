"""A support lead reads the reports: the figures in the chart tables, a switch to the period
before, the Teammates tab; and a teammate reads the SLA clock on a ticket header. The
clock is injected (the served app and the test share halo.clock)."""
from datetime import datetime, timedelta

from playwright.sync_api import expect

from halo import clock
from halo.extensions import db
from halo.models import Message
from halo.services.service_levels import policies, sla
from halo.services.tickets import status
from tests.browser.conftest import sign_in
from tests.factories import make_ticket, make_user

NOW = datetime(2026, 12, 4, 12, 0)  # a Friday; the default period is 2026-11-05 - 2026-12-04


def _answered(agent, created, after_minutes, resolve_after=None):
    ticket = make_ticket(now=created, assignee_id=agent.id)
    db.session.add(Message(ticket_id=ticket.id, kind="agent", channel="email", body_text="On it", author_id=agent.id,
                           delivery="sent", created_at=created + timedelta(minutes=after_minutes)))
    db.session.commit()
    if resolve_after is not None:
        status.change_status(ticket.id, "resolved", agent.id, now=created + timedelta(minutes=resolve_after))
    return ticket


def test_the_reports_page_reads_and_the_ticket_header_shows_the_clock(live_server, new_page):
    clock.set_now(NOW)
    lead = make_user(email="lead@example.com", name="Lena Lead", role="admin")
    sara = make_user(email="sara@example.com", name="Sara Lindqvist")
    for i, minutes in enumerate((20, 30, 40)):  # this period: medians of 30 min
        _answered(sara, NOW - timedelta(days=2 + i), minutes, resolve_after=minutes + 60)
    _answered(sara, NOW - timedelta(days=40), 90)  # the period before: 1 h 30
    policies.save_policy(None, {"name": "Standard", "first_response": "1 h"})
    waiting = make_ticket(now=NOW - timedelta(minutes=20), subject="Where is my parcel?")
    sla.check()
    db.session.commit()

    page = new_page(viewport={"width": 1440, "height": 900})
    problems = []  # a CSP violation or a script error shows in the console
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    sign_in(page, live_server, lead.email)
    page.goto(live_server + "/reports")
    expect(page.locator("h1")).to_have_text("Reports")
    expect(page.locator("#report-compared")).to_have_text("compared with 2026-10-06 – 2026-11-04")
    expect(page.locator(".figures dd").first).to_contain_text("4")  # new tickets
    volume = page.locator("section", has=page.get_by_role("heading", name="New tickets by day and channel"))
    expect(volume.locator("svg.chart rect")).to_have_count(4)  # one bar per day with tickets
    volume.locator("summary", has_text="Table").click()
    expect(volume.locator("tbody tr", has_text="Dec 2, 2026")).to_contain_text("1")
    times = page.locator("section", has=page.get_by_role("heading", name="Response and resolution times"))
    expect(times.locator("tr", has_text="First response")).to_contain_text("30 min")
    expect(times.locator("tr", has_text="First response")).to_contain_text("3")

    page.fill("input[name=from]", "2026-10-06")
    page.fill("input[name=to]", "2026-11-04")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(live_server + "/reports?from=2026-10-06&to=2026-11-04")
    expect(page.locator("#report-compared")).to_have_text("compared with 2026-09-06 – 2026-10-05")
    expect(times.locator("tr", has_text="First response")).to_contain_text("1.5 h")

    page.get_by_role("link", name="Teammates").click()
    expect(page).to_have_url(live_server + "/reports/teammates?from=2026-10-06&to=2026-11-04")
    expect(page.get_by_role("link", name="Teammates")).to_have_attribute("aria-current", "page")
    row = page.locator("#dimension-table tbody tr", has_text="Sara Lindqvist")
    expect(row.locator("td").nth(0)).to_contain_text("1")  # handled in that period
    expect(row.locator("td").nth(3)).to_contain_text("1.5 h")
    expect(page.locator("svg.chart-pairs rect.series-now")).to_have_count(1)
    page.fill("input[name=from]", "2026-11-05")
    page.fill("input[name=to]", "2026-12-04")
    page.get_by_role("button", name="Show").click()
    expect(row.locator("td").nth(0)).to_contain_text("3")
    expect(row.locator("td").nth(0)).to_contain_text("was 1")
    expect(row.locator("td").nth(3)).to_contain_text("30 min")

    page.goto(f"{live_server}/tickets/{waiting.id}")
    expect(page.locator("#sla-reading span")).to_have_text("First response due in 40 min")
    clock.set_now(NOW + timedelta(minutes=55))
    page.reload()
    expect(page.locator("#sla-reading span")).to_have_text("First response overdue by 15 min")
    expect(page.locator("#sla-reading")).to_have_class("sla sla-breached")
    assert problems == []
