"""The overview report: figures computed by the database, charts with tables, CSV, bad input."""
import csv
import io
from datetime import datetime, timedelta

from halo import clock
from halo.extensions import db
from halo.models import Message
from halo.services.reports import overview
from halo.services.tickets import status
from tests import factories

NOW = datetime(2026, 12, 4, 12, 0)


def _answered(after_minutes, channel="email", created=NOW - timedelta(days=1), resolve_after=None):
    ticket = factories.make_ticket(now=created, channel=channel)
    db.session.add(Message(ticket_id=ticket.id, kind="agent", channel=channel, body_text="On it",
                           delivery="sent", created_at=created + timedelta(minutes=after_minutes)))
    db.session.commit()
    if resolve_after is not None:
        status.change_status(ticket.id, "resolved", None, now=created + timedelta(minutes=resolve_after))
    return ticket


def test_medians_and_percentiles_come_from_the_database(app):
    clock.set_now(NOW)
    for minutes in (10, 20, 30, 40, 50, 60, 70, 80, 90, 100):
        _answered(minutes, resolve_after=minutes * 2)
    factories.make_ticket(now=NOW - timedelta(hours=2), channel="chat")  # unanswered
    period = overview.parse_period(None, None)
    first = overview.first_response_times(period)
    assert (first.n, first.median, round(first.p90)) == (10, 50 * 60, 90 * 60)
    resolution = overview.resolution_times(period)
    assert resolution.n == 10 and round(resolution.median) == 100 * 60
    days, total = overview.volume(period)
    assert total == 11 and days[NOW.date() - timedelta(days=1)]["email"] == 10
    assert days[NOW.date()]["chat"] == 1
    assert overview.backlog()["Open"] == 1


def test_a_reply_before_the_period_is_not_counted_in_it(app):
    clock.set_now(NOW)
    _answered(5, created=NOW - timedelta(days=40))
    assert overview.first_response_times(overview.parse_period(None, None)).n == 0


def test_the_page_draws_the_chart_and_its_table_and_compares(as_agent):
    clock.set_now(NOW)
    _answered(30, channel="chat")
    page = as_agent.get("/reports").get_data(as_text=True)
    assert "<svg" in page and 'class="series-chat"' in page and "30 min" in page
    assert "compared with 2026-10-06 – 2026-11-04" in page
    assert "<script" not in page.split("<main", 1)[-1].split("</main>")[0]


def test_each_table_downloads_as_csv(as_agent):
    clock.set_now(NOW)
    _answered(30)
    response = as_agent.get("/reports/volume.csv?from=2026-12-01&to=2026-12-04")
    assert response.mimetype == "text/csv" and "halo-volume-2026-12-01-2026-12-04.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["day", "email", "chat", "api", "total"] and len(rows) == 5
    assert rows[3] == ["2026-12-03", "1", "0", "0", "1"]
    times = list(csv.reader(io.StringIO(as_agent.get("/reports/times.csv").get_data(as_text=True))))
    assert times[1] == ["first_response", "1", "1800", "1800"]
    assert as_agent.get("/reports/nothing.csv").status_code == 404


def test_a_bad_period_is_a_clear_400(as_agent):
    for query in ("from=2026-13-01", "from=2026-12-05&to=2026-12-01", "from=2020-01-01&to=2026-01-01"):
        response = as_agent.get(f"/reports?{query}")
        assert response.status_code == 400


def test_an_agent_reads_the_figures_of_their_inboxes_only(client, admin):
    from halo.services.access import inboxes, teams
    from tests.conftest import Browser
    clock.set_now(NOW)
    sara, bo = factories.make_user(email="sara@a.test"), factories.make_user(email="bo@b.test")
    a = inboxes.save_inbox(admin.id, None, name="Billing", addresses="billing@halo.test")
    b = inboxes.save_inbox(admin.id, None, name="Security", addresses="security@halo.test")
    teams.save_team(admin.id, None, name="Team A", member_ids=[sara.id], inbox_ids=[a.id])
    teams.save_team(admin.id, None, name="Team B", member_ids=[bo.id], inbox_ids=[b.id])
    for _ in range(3):
        factories.make_ticket(inbox_id=b.id, now=NOW - timedelta(hours=1))
    factories.make_ticket(inbox_id=a.id, now=NOW - timedelta(hours=1))
    browser = Browser(client)
    browser.login(sara.email)
    rows = list(csv.reader(io.StringIO(browser.get("/reports/volume.csv").get_data(as_text=True))))
    assert sum(int(r[-1]) for r in rows[1:]) == 1
    backlog = dict(csv.reader(io.StringIO(browser.get("/reports/backlog.csv").get_data(as_text=True))))
    assert backlog["Open"] == "1"
