"""The survey page a CSAT email's links open (public, signed links, records on POST only),
the rating on the ticket page, Settings > Satisfaction, and CSAT in the reports."""
import csv
import io
from datetime import datetime, timedelta

import pytest

from halo import clock
from halo.extensions import db
from halo.models import AuditEvent, Message
from halo.services import chat
from halo.services.access import inboxes, teams
from halo.services.access import scope as access_scope
from halo.services.csat import surveys, tokens
from halo.services.reports import overview
from halo.services.reports.csat import satisfaction
from halo.services.tickets import status
from tests.factories import make_ticket, make_user

NOW = datetime(2026, 12, 4, 12, 0)


@pytest.fixture
def jobs(monkeypatch):
    chat.throttle().reset()  # answer counts are kept by ticket id, and ids come back
    queued = []
    monkeypatch.setattr(surveys, "enqueue", lambda path, *args, **kw: queued.append(args))
    return queued


def resolved(agent, jobs, **ticket):
    surveys.save_settings(True, 0)
    t = make_ticket(**ticket)
    status.change_status(t.id, "resolved", agent.id)
    return t, tokens.make_token(t.id)


def csat_lines(ticket_id):
    return db.session.scalars(db.select(Message).where(Message.ticket_id == ticket_id,
                                                       Message.event_type == "csat")).all()


def test_the_link_shows_the_rating_chosen_and_records_nothing(client, agent, jobs):
    ticket, token = resolved(agent, jobs)
    for rating in ("good", "okay", "bad"):  # a mail scanner opens every link
        page = client.get(f"/survey/{token}?rating={rating}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert f'value="{rating}" required checked' in html and "<script" not in html.split("<body", 1)[1]
    assert surveys.survey_of(ticket.id).rating is None and csat_lines(ticket.id) == []


def test_send_records_and_a_second_answer_updates_it(client, agent, jobs):
    ticket, token = resolved(agent, jobs)
    answer = client.post(f"/survey/{token}", data={"rating": "good", "comment": "thanks!"})
    assert answer.status_code == 200 and "Thank you" in answer.get_data(as_text=True)
    again = client.post(f"/survey/{token}", data={"rating": "good", "comment": "thanks!"})
    assert again.status_code == 200 and len(csat_lines(ticket.id)) == 1  # clicked twice
    client.post(f"/survey/{token}", data={"rating": "bad", "comment": "It broke again"})
    s = surveys.survey_of(ticket.id)
    assert (s.rating, s.comment, s.rated_via) == ("bad", "It broke again", "email")
    assert len(csat_lines(ticket.id)) == 2
    page = client.get(f"/survey/{token}").get_data(as_text=True)
    assert 'value="bad" required checked' in page and "It broke again" in page


def test_bad_input_changes_nothing(client, agent, jobs):
    ticket, token = resolved(agent, jobs)
    page = client.post(f"/survey/{token}", data={"rating": "great"})
    assert page.status_code == 400 and "Choose Good, Okay or Not good." in page.get_data(as_text=True)
    long = client.post(f"/survey/{token}", data={"rating": "good", "comment": "x" * 2001})
    assert long.status_code == 400 and "x" * 2001 in long.get_data(as_text=True)  # kept for the customer
    assert surveys.survey_of(ticket.id).rating is None


def test_tampered_and_expired_links_get_a_clear_page(client, agent, jobs, frozen):
    ticket, token = resolved(agent, jobs)
    tampered = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    for bad in (tampered, "nonsense", "a" * 500):
        for response in (client.get(f"/survey/{bad}?rating=good"), client.post(f"/survey/{bad}", data={"rating": "good"})):
            assert response.status_code == 400
            assert tokens.INVALID in response.get_data(as_text=True)
    other = tokens.make_token(ticket.id + 1000)  # signed, but no such ticket's survey
    assert client.get(f"/survey/{other}").status_code == 404
    frozen(frozen.start + timedelta(days=31))
    expired = client.post(f"/survey/{token}", data={"rating": "good"})
    assert expired.status_code == 410 and tokens.EXPIRED in expired.get_data(as_text=True)
    assert surveys.survey_of(ticket.id).rating is None


def test_the_ticket_shows_the_rating_and_the_event_line(as_agent, agent, jobs):
    surveys.save_settings(True, 0)
    ticket = make_ticket()
    assert "no answer yet" not in as_agent.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    status.change_status(ticket.id, "resolved", agent.id)  # the page kept "no survey" until now
    page = as_agent.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Survey email queued" in page and "no answer yet" in page
    surveys.record(ticket.id, "good", "thanks!")
    page = as_agent.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    header = page.split(f'id="ticket-{ticket.id}-csat"', 1)[1].split("</p>", 1)[0]
    assert "Good" in header and "thanks!" in header
    assert f"<strong>{ticket.customer.display_name}</strong> rated" in page and "“thanks!”" in page


def test_off_by_default_and_the_switch_is_admins_and_audited(client, as_admin, admin):
    page = as_admin.get("/settings/satisfaction").get_data(as_text=True)
    assert 'name="enabled" >' in page and 'name="enabled" checked' not in page  # off by default
    response = as_admin.post("/settings/satisfaction", data={"enabled": "on", "delay": "60"})
    assert response.status_code == 303 and surveys.settings() == {"enabled": True, "delay": 60}
    line = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "settings_changed")
                             .order_by(AuditEvent.id.desc()))
    assert line.target == "/settings/satisfaction" and line.detail["enabled"] == "on"
    assert as_admin.post("/settings/satisfaction", data={"delay": "7"}).status_code == 400
    assert surveys.settings() == {"enabled": True, "delay": 60}


def test_agents_cannot_reach_the_switch(as_agent):
    assert as_agent.get("/settings/satisfaction").status_code in (403, 404)
    assert as_agent.post("/settings/satisfaction", data={"enabled": "on"}).status_code in (403, 404)
    assert surveys.settings()["enabled"] is False


def test_reports_count_csat_in_sql_beside_the_period_before(as_agent, agent, jobs):
    clock.set_now(NOW - timedelta(days=40))  # the period before: one Not good of two asked
    old = [resolved(agent, jobs)[0] for _ in range(2)]
    surveys.record(old[0].id, "bad")
    clock.set_now(NOW - timedelta(days=2))
    now = [resolved(agent, jobs)[0] for _ in range(5)]
    for t, rating in zip(now, ("good", "good", "good", "okay")):
        surveys.record(t.id, rating)
    surveys.record(old[1].id, "good")  # answered now, asked before: counted now
    clock.set_now(NOW)
    current, prior = overview.compare(overview.parse_period(None, None))
    a, b = current.csat, prior.csat
    assert (a.good, a.okay, a.bad, a.answered, a.offered, a.offered_answered) == (4, 1, 0, 5, 5, 4)
    assert a.csat == 80.0 and a.score == 90.0 and a.response_rate == 80.0
    assert (b.answered, b.bad, b.offered, b.csat) == (1, 1, 2, 0.0)
    page = as_agent.get("/reports").get_data(as_text=True)
    figure = page.split('id="csat-figure">', 1)[1].split("</dd>", 1)[0]
    assert "80%" in figure and "+80 pts" in figure
    rows = list(csv.reader(io.StringIO(as_agent.get("/reports/csat.csv").get_data(as_text=True))))
    assert rows[1][:8] == ["current", "2026-11-05", "2026-12-04", "5", "4", "1", "0", "80"]


def test_reports_follow_the_agents_sight(jobs):
    """Counted through Ticket: an agent of team A does not count team B's answers."""
    clock.set_now(NOW)
    admin = make_user(role="admin")
    sara, bo = make_user(), make_user()
    a = inboxes.save_inbox(admin.id, None, name="Billing", addresses="billing@halo.test")
    b = inboxes.save_inbox(admin.id, None, name="Security", addresses="security@halo.test")
    teams.save_team(admin.id, None, name="Team A", member_ids=[sara.id], inbox_ids=[a.id])
    teams.save_team(admin.id, None, name="Team B", member_ids=[bo.id], inbox_ids=[b.id])
    surveys.save_settings(True, 0)
    for inbox, rating in ((a, "good"), (b, "bad"), (b, "bad")):
        t = make_ticket(inbox_id=inbox.id)
        status.change_status(t.id, "resolved", admin.id)
        surveys.record(t.id, rating)
    period = overview.parse_period(None, None)
    with access_scope.opened(sara.id):
        seen = satisfaction(period)
    assert (seen.answered, seen.good, seen.bad, seen.csat) == (1, 1, 0, 100.0)
    everyone = satisfaction(period)
    assert (everyone.answered, everyone.bad) == (3, 2)


def test_answers_to_one_page_are_rate_limited(client, agent, jobs, app, monkeypatch):
    monkeypatch.setitem(app.config, "HALO_CSAT_ANSWER_LIMIT", "2 per hour")
    ticket, token = resolved(agent, jobs)
    assert client.post(f"/survey/{token}", data={"rating": "good"}).status_code == 200
    assert client.post(f"/survey/{token}", data={"rating": "okay"}).status_code == 200
    refused = client.post(f"/survey/{token}", data={"rating": "bad", "comment": "kept"})
    assert refused.status_code == 429 and "try again" in refused.get_data(as_text=True)
    assert "kept" in refused.get_data(as_text=True)  # what the customer wrote is not lost
    assert surveys.survey_of(ticket.id).rating == "okay" and len(csat_lines(ticket.id)) == 2
