"""SLA through the browser's forms: policies in Settings, the clock on the ticket header, why."""
from datetime import datetime

from halo import clock
from halo.extensions import db
from halo.models import SlaPolicy
from halo.services.service_levels import policies
from tests import factories

FRIDAY_NINE = datetime(2026, 12, 4, 9, 0)


def test_an_admin_keeps_policies_in_order(as_admin):
    assert "No SLA policy yet" in as_admin.get("/settings/sla").get_data(as_text=True)
    ok = as_admin.post("/settings/sla", {"name": "Standard", "first_response": "4 h", "active": "on"})
    assert ok.status_code == 302
    as_admin.post("/settings/sla", {"name": "VIP", "first_response": "30 min", "trait": "plan = vip", "active": "on"})
    vip = db.session.scalar(db.select(SlaPolicy).where(SlaPolicy.name == "VIP"))
    as_admin.post(f"/settings/sla/{vip.id}/move", {"direction": "up"})
    names = [p.name for p in db.session.scalars(db.select(SlaPolicy).order_by(SlaPolicy.position))]
    assert names == ["VIP", "Standard"]
    edit = as_admin.get(f"/settings/sla/{vip.id}").get_data(as_text=True)
    assert 'value="plan = vip"' in edit and 'value="30 min"' in edit
    bad = as_admin.post(f"/settings/sla/{vip.id}", {"name": "VIP", "first_response": "whenever"})
    assert bad.status_code == 400 and "not a duration" in bad.get_data(as_text=True)
    as_admin.post(f"/settings/sla/{vip.id}/delete")
    assert [p.name for p in db.session.scalars(db.select(SlaPolicy))] == ["Standard"]


def test_agents_cannot_change_policies(as_agent):
    assert as_agent.get("/settings/sla").status_code in (302, 403)
    as_agent.post("/settings/sla", {"name": "Sneaky", "first_response": "1 h"})
    assert db.session.scalar(db.select(db.func.count(SlaPolicy.id))) == 0


def test_the_ticket_header_shows_the_running_clock_and_why(as_agent):
    policies.save_policy(None, {"name": "Standard", "first_response": "1 h", "active": "on"})
    clock.set_now(FRIDAY_NINE)
    ticket = factories.make_ticket(now=FRIDAY_NINE)
    clock.set_now(datetime(2026, 12, 4, 9, 37))
    page = as_agent.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "First response due in 23 min" in page
    why = as_agent.get(f"/tickets/{ticket.id}/sla").get_data(as_text=True)
    assert "Standard" in why and "No business hours are set" in why and "2026-12-04 10:00" in why


def test_no_policy_no_clock_on_the_ticket(as_agent):
    ticket = factories.make_ticket()
    assert 'id="sla-reading"' not in as_agent.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert as_agent.get("/tickets/999999/sla").status_code == 404


def test_an_agent_of_another_team_cannot_read_a_tickets_clocks(client, admin):
    from halo.services.access import inboxes, teams
    from tests.conftest import Browser
    sara, bo = factories.make_user(email="sara@a.test"), factories.make_user(email="bo@b.test")
    a = inboxes.save_inbox(admin.id, None, name="Billing", addresses="billing@halo.test")
    b = inboxes.save_inbox(admin.id, None, name="Security", addresses="security@halo.test")
    teams.save_team(admin.id, None, name="Team A", member_ids=[sara.id], inbox_ids=[a.id])
    teams.save_team(admin.id, None, name="Team B", member_ids=[bo.id], inbox_ids=[b.id])
    policies.save_policy(None, {"name": "Standard", "first_response": "1 h", "active": "on"})
    theirs = factories.make_ticket(inbox_id=b.id, subject="Zebrafish breach report")
    browser = Browser(client)
    browser.login(sara.email)
    page = browser.get(f"/tickets/{theirs.id}/sla")
    assert page.status_code == 404 and "Zebrafish" not in page.get_data(as_text=True)


def test_a_policy_for_a_tag_is_chosen_from_the_tags_and_keeps_its_tag(as_admin):
    from halo.models import Tag
    from halo.services.tickets import tags
    refund = tags._tag("Refund", FRIDAY_NINE)
    db.session.commit()
    page = as_admin.get("/settings/sla").get_data(as_text=True)
    assert f'<option value="{refund.id}" >Refund</option>' in page
    as_admin.post("/settings/sla", {"name": "Refunds", "first_response": "30 min", "tag_id": str(refund.id),
                                    "active": "on"})
    policy = db.session.scalar(db.select(SlaPolicy).where(SlaPolicy.name == "Refunds"))
    assert policy.tag_id == refund.id
    assert "tagged Refund" in as_admin.get("/settings/sla").get_data(as_text=True)
    assert f'<option value="{refund.id}" selected>' in as_admin.get(f"/settings/sla/{policy.id}").get_data(as_text=True)
    refused = as_admin.post(f"/settings/tags/{refund.id}/delete", follow_redirects=True).get_data(as_text=True)
    assert "change or delete that policy first" in refused
    assert db.session.get(Tag, refund.id) is not None
