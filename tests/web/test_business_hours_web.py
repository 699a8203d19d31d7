"""Settings > Business hours through the real form: admins only, errors named, nothing half-saved."""
from halo.extensions import db
from halo.models import BusinessHours, Inbox

WEEK = {f"day{i}": "09:00-17:00" for i in range(5)} | {"day5": "closed", "day6": "closed"}


def test_an_admin_sets_the_workspace_hours_and_an_inbox_of_its_own(as_admin):
    page = as_admin.get("/settings/business-hours")
    assert page.status_code == 200 and "Business hours" in page.get_data(as_text=True)
    saved = as_admin.post("/settings/business-hours", {"inbox": "workspace", "timezone": "Europe/Berlin",
                                                       "holidays": "2026-12-25 Christmas", "reply_hours": "4",
                                                       "action": "save", **WEEK})
    assert saved.status_code == 302
    inbox = Inbox(name="Billing")
    db.session.add(inbox)
    db.session.commit()
    inherited = as_admin.get(f"/settings/business-hours?inbox={inbox.id}").get_data(as_text=True)
    assert "keeps the workspace" in inherited and "Europe/Berlin" in inherited and "2026-12-25 Christmas" in inherited
    as_admin.post("/settings/business-hours", {"inbox": inbox.id, "timezone": "UTC", "holidays": "",
                                               "action": "save", **WEEK})
    rows = {r.inbox_id: r.timezone for r in db.session.scalars(db.select(BusinessHours))}
    assert rows == {None: "Europe/Berlin", inbox.id: "UTC"}
    as_admin.post("/settings/business-hours", {"inbox": inbox.id, "action": "inherit", **WEEK})
    assert {r.inbox_id for r in db.session.scalars(db.select(BusinessHours))} == {None}


def test_a_mistake_is_shown_with_what_was_typed_and_saves_nothing(as_admin):
    bad = as_admin.post("/settings/business-hours", {"inbox": "workspace", "timezone": "Europe/Berlin",
                                                     "action": "save", **WEEK, "day2": "9:00-25:00"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Wednesday: “25:00” is not a time of day" in html
    assert 'value="9:00-25:00"' in html
    assert db.session.scalar(db.select(db.func.count(BusinessHours.id))) == 0


def test_agents_cannot_read_or_change_business_hours(as_agent):
    assert as_agent.get("/settings/business-hours").status_code in (302, 403)
    as_agent.post("/settings/business-hours", {"inbox": "workspace", "timezone": "UTC", "action": "save", **WEEK})
    assert db.session.scalar(db.select(db.func.count(BusinessHours.id))) == 0


def test_an_unknown_or_malformed_inbox_is_not_a_500(as_admin):
    assert as_admin.get("/settings/business-hours?inbox=999").status_code == 404
    assert as_admin.get("/settings/business-hours?inbox=abc").status_code == 400
