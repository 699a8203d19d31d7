"""Snooze presets through the client, the header, the profile's time zone and notifications."""
from datetime import datetime, timedelta

from halo.extensions import db
from halo.models import Ticket, User
from halo.services.tickets import snooze, status
from tests.factories import make_ticket


def test_preset_snooze_uses_the_agents_zone_and_header_says_who(as_agent, agent, frozen):
    as_agent.post("/profile", {"timezone": "Europe/Paris"})
    assert db.session.get(User, agent.id).timezone == "Europe/Paris"
    ticket = make_ticket()
    response = as_agent.post(f"/tickets/{ticket.id}/status", {"status": "snoozed", "preset": "tomorrow"}, hx=True)
    assert response.status_code == 200
    stored = db.session.get(Ticket, ticket.id)
    assert stored.snoozed_until == datetime(2026, 11, 25, 8, 0)
    page = as_agent.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Snoozed until Wed, Nov 25, 09:00 (Europe/Paris) by Sara Lind" in page


def test_bad_time_zone_is_refused(as_agent, agent):
    as_agent.post("/profile", {"timezone": "Europe/Paris"})
    assert as_agent.post("/profile", {"timezone": "Mars/Olympus"}).status_code == 400
    assert as_agent.post("/profile", {"timezone": "UTC"}, csrf=False).status_code == 400
    assert db.session.get(User, agent.id).timezone == "Europe/Paris"


def test_notification_badge_after_wake_up(as_agent, agent, frozen):
    ticket = make_ticket(assignee_id=agent.id)
    status.change_status(ticket.id, "snoozed", agent.id, until=frozen.start + timedelta(hours=1))
    frozen(frozen.start + timedelta(hours=2))
    snooze.wake_due()
    page = as_agent.get("/inbox/open").get_data(as_text=True)
    assert 'id="nav-notifications"' in page and 'badge-count">1<' in page
    listing = as_agent.get("/notifications").get_data(as_text=True)
    assert f"Snooze ended: #{ticket.id}" in listing
    as_agent.post("/notifications/read")
    assert 'badge-count' not in as_agent.get("/inbox/open").get_data(as_text=True)


def test_a_snooze_past_its_time_shows_open_on_the_ticket_before_the_sweeper_runs(as_agent, agent, frozen):
    ticket = make_ticket()
    status.change_status(ticket.id, "snoozed", agent.id, until=frozen.start + timedelta(hours=1))
    page = as_agent.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert '<option value="snoozed" selected disabled>' in page and "Snoozed until" in page
    frozen(frozen.start + timedelta(hours=2))
    page = as_agent.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert db.session.get(Ticket, ticket.id).status == "snoozed"  # not swept yet
    assert 'value="snoozed"' not in page.split('name="status"')[1].split("</select>")[0]
    assert '<option value="open" selected>' in page and "pill-select pill-open" in page
    assert "Snooze ended Tue, Nov 24, 10:00" in page and "Snoozed until" not in page
