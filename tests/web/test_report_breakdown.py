"""SLA achievement on the overview and the reports per teammate, tag and inbox: figures from
real clocks and breaches (the minute's SLA check), grouped by the database, CSV guarded,
narrowed to what the reader sees."""
import csv
import io
from datetime import datetime, timedelta

from halo import clock
from halo.extensions import db
from halo.models import CsatSurvey, Message
from halo.services.access import inboxes, teams
from halo.services.reports import breakdown, overview
from halo.services.service_levels import policies, sla
from halo.services.tickets import replies, status, tags
from tests import factories
from tests.conftest import Browser

NOW = datetime(2026, 12, 4, 12, 0)


def _at(when):
    clock.set_now(when)
    return when


def _breaches(ticket_id):
    return [m.event_data["clock"] for m in db.session.scalars(
        db.select(Message).where(Message.ticket_id == ticket_id, Message.event_type == "sla_breach")
        .order_by(Message.id))]


def _workspace(admin):
    """Two inboxes, two teams, one policy (first response 1 h, resolution 8 h), and three
    tickets: one met on both clocks, one breached on both, one not yet due."""
    sara = factories.make_user(email="sara@a.test", name="Sara")
    bo = factories.make_user(email="bo@b.test", name="=Bo")  # a spreadsheet would run it
    a = inboxes.save_inbox(admin.id, None, name="Billing", addresses="billing@halo.test")
    b = inboxes.save_inbox(admin.id, None, name="Security", addresses="security@halo.test")
    teams.save_team(admin.id, None, name="Team A", member_ids=[sara.id], inbox_ids=[a.id])
    teams.save_team(admin.id, None, name="Team B", member_ids=[bo.id], inbox_ids=[b.id])
    policies.save_policy(None, {"name": "Standard", "first_response": "1 h", "resolution": "8 h"})
    start = _at(NOW - timedelta(hours=10))
    met = factories.make_ticket(inbox_id=a.id, assignee_id=sara.id, now=start, subject="=HYPERLINK(1)")
    late = factories.make_ticket(inbox_id=b.id, assignee_id=bo.id, now=start)
    tags.apply_tags(met, ["billing"], None, start)
    tags.apply_tags(late, ["billing", "vip"], None, start)
    db.session.commit()
    sla.check()
    _at(start + timedelta(minutes=30))
    replies.post_reply(met.id, sara.id, "On it.", "email")
    _at(start + timedelta(hours=2))
    status.change_status(met.id, "resolved", sara.id)
    sla.check()
    assert _breaches(late.id) == ["first_response"]  # due an hour ago
    _at(start + timedelta(hours=3))
    replies.post_reply(late.id, bo.id, "Sorry for the wait.", "email")
    _at(start + timedelta(hours=3, minutes=30))
    db.session.add(Message(ticket_id=late.id, kind="customer", channel="email", body_text="Still broken.",
                           created_at=clock.now()))
    db.session.commit()
    sla.check()
    _at(NOW)
    sla.check()
    assert _breaches(late.id) == ["first_response", "resolution"]  # due at 10:30 (30 min waiting on them)
    factories.make_ticket(inbox_id=a.id, now=NOW - timedelta(minutes=30))  # due in 30 min
    sla.check()
    db.session.add(CsatSurvey(ticket_id=met.id, channel="email", offered_at=start, rating="good", rated_at=NOW))
    db.session.commit()
    return sara, bo, a, b


def test_sla_achievement_counts_clocks_met_and_breached(app, admin):
    _workspace(admin)
    achieved = overview.sla_achievement(overview.parse_period(None, None))
    assert (achieved.first_met, achieved.first_total) == (1, 2)
    assert (achieved.resolution_met, achieved.resolution_total) == (1, 2)
    assert achieved.overall == 50.0
    before = overview.sla_achievement(overview.parse_period(None, None).before())
    assert before.first_total == 0 and before.overall is None


def test_each_dimension_groups_in_sql(app, admin):
    sara, bo, a, b = _workspace(admin)
    period = overview.parse_period(None, None)
    people = {r.label: r.now for r in breakdown.report(period, "teammate")}
    assert set(people) == {"Sara", "=Bo", "Unassigned"}
    assert (people["Sara"].handled, people["Sara"].replies, people["Sara"].new) == (1, 1, 1)
    assert people["Sara"].first_response.median == 30 * 60 and people["Sara"].resolution.n == 1
    assert people["Sara"].sla.overall == 100.0 and people["Sara"].csat == 100.0
    assert people["=Bo"].first_response.median == 3 * 3600 and people["=Bo"].handled == 1
    assert (people["=Bo"].sla.first_total, people["=Bo"].sla.resolution_total, people["=Bo"].sla.overall) == (1, 1, 0.0)
    assert people["Unassigned"].new == 1 and people["Unassigned"].handled == 0
    by_tag = {r.label: r.now for r in breakdown.report(period, "tag")}
    assert by_tag["billing"].new == 2 and by_tag["vip"].new == 1
    assert by_tag["billing"].sla.first_total == 2 and by_tag["billing"].first_response.p90 == 3 * 3600
    by_inbox = {r.label: r.now for r in breakdown.report(period, "inbox")}
    assert by_inbox["Billing"].new == 2 and by_inbox["Security"].sla.resolution_total == 1


def test_the_pages_show_tabs_tables_and_charts(client, admin):
    _workspace(admin)
    browser = Browser(client)
    browser.login(admin.email)
    page = browser.get("/reports").get_data(as_text=True)
    assert 'id="sla-figure">50%' in page and "What counts" in page
    assert 'href="/reports/teammates?from=2026-11-05&amp;to=2026-12-04"' in page
    people = browser.get("/reports/teammates?from=2026-11-05&to=2026-12-04").get_data(as_text=True)
    assert 'aria-current="page">Teammates' in people and "<svg" in people and "Sara" in people
    assert "30 min" in people and "3.0 h" in people and "was 0" in people
    assert browser.get("/reports/nothing").status_code == 404
    assert browser.get("/reports/tags?from=2026-12-05&to=2026-12-01").status_code == 400


def test_dimension_csv_defuses_formulas_and_has_both_periods(client, admin):
    _workspace(admin)
    browser = Browser(client)
    browser.login(admin.email)
    response = browser.get("/reports/tags.csv?from=2026-11-05&to=2026-12-04")
    assert response.mimetype == "text/csv" and "halo-tags-2026-11-05-2026-12-04.csv" in response.headers[
        "Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "tag" and "sla_percent" in rows[0] and "sla_percent_before" in rows[0]
    tagged = {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert tagged["billing"]["new"] == "2" and tagged["billing"]["sla_percent"] == "50"
    assert tagged["billing"]["new_before"] == "0"
    people = list(csv.reader(io.StringIO(browser.get("/reports/teammates.csv").get_data(as_text=True))))
    names = [r[0] for r in people[1:]]
    assert "'=Bo" in names and "=Bo" not in names
    sla_rows = list(csv.reader(io.StringIO(browser.get("/reports/sla.csv").get_data(as_text=True))))
    assert sla_rows[1][3:6] == ["1", "2", "50"]


def test_an_agent_reads_only_their_inboxes(client, admin):
    sara, bo, a, b = _workspace(admin)
    browser = Browser(client)
    browser.login(sara.email)
    rows = list(csv.reader(io.StringIO(browser.get("/reports/inboxes.csv").get_data(as_text=True))))
    assert [r[0] for r in rows[1:]] == ["Billing"]
    people = list(csv.reader(io.StringIO(browser.get("/reports/teammates.csv").get_data(as_text=True))))
    assert [r[0] for r in people[1:]] == ["Sara", "Unassigned"]
    page = browser.get("/reports").get_data(as_text=True)
    assert 'id="sla-figure">100%' in page  # Bo's breaches are in Security


def test_an_empty_workspace_reads_as_nothing_to_count(as_agent):
    clock.set_now(NOW)
    for page in ("teammates", "tags", "inboxes"):
        response = as_agent.get(f"/reports/{page}")
        assert response.status_code == 200 and "Nothing to count" in response.get_data(as_text=True)
        rows = list(csv.reader(io.StringIO(as_agent.get(f"/reports/{page}.csv").get_data(as_text=True))))
        assert len(rows) == 1
    assert 'id="sla-figure">—' in as_agent.get("/reports").get_data(as_text=True)
