"""Each ticket's SLA alarms: a warning before a clock runs out, then its breach, once per
clock cycle, for every clock (a missed first response does not hide the resolution's), and
policies chosen by the tags a ticket carries."""
from datetime import datetime, timedelta

import pytest

from halo import clock
from halo.extensions import db
from halo.models import Message, Notification, SlaPolicy, TicketSla
from halo.services.errors import ValidationError
from halo.services.service_levels import policies, schedules, sla
from halo.services.service_levels.clocks import warning_lead
from halo.services.tickets import replies, tag_catalog, tags
from tests import factories

FRIDAY_NINE = datetime(2026, 12, 4, 9, 0)
WEEKDAYS = ["09:00-17:00"] * 5 + ["closed"] * 2


def _policy(**form):
    return policies.save_policy(None, {"name": "Standard", "active": "on", **form})


def _at(when):
    clock.set_now(when)
    return sla.check(when)


def _breaches(ticket_id):
    return [m.event_data["clock"] for m in db.session.scalars(
        db.select(Message).where(Message.ticket_id == ticket_id, Message.event_type == "sla_breach")
        .order_by(Message.id))]


def _notes(kind):
    return [n.text for n in db.session.scalars(db.select(Notification).where(Notification.kind == kind)
                                                .order_by(Notification.id))]


def test_the_warning_lead_is_a_quarter_of_the_target_at_most_half_an_hour():
    assert warning_lead(60) == 15 * 60 and warning_lead(8 * 60) == 30 * 60 and warning_lead(4) == 60


def test_a_resolution_breach_is_recorded_after_a_first_response_breach(app, agent):
    _policy(first_response="1 h", resolution="4 h")
    ticket = factories.make_ticket(now=FRIDAY_NINE, assignee_id=agent.id)
    assert _at(datetime(2026, 12, 4, 10, 1))["breached"] == 1
    row = db.session.get(TicketSla, ticket.id)
    # The inbox still sorts it by the overdue first response; the alarm waits for the next clock.
    assert (row.due_at, row.due_clock) == (datetime(2026, 12, 4, 10, 0), "first_response")
    assert (row.alarm_kind, row.alarm_clock) == ("warning", "resolution")
    assert row.alarm_at == datetime(2026, 12, 4, 12, 30)
    assert _at(datetime(2026, 12, 4, 12, 31)) == {"refreshed": 0, "breached": 0, "warned": 1}
    assert _at(datetime(2026, 12, 4, 13, 1))["breached"] == 1
    assert _breaches(ticket.id) == ["first_response", "resolution"]
    assert _at(datetime(2026, 12, 4, 14, 0)) == {"refreshed": 0, "breached": 0, "warned": 0}
    assert db.session.get(TicketSla, ticket.id).alarm_at is None
    assert len(_notes("sla_breach")) == 2


def test_a_warning_comes_once_before_the_breach_and_a_reply_in_time_ends_it(app, agent):
    _policy(first_response="1 h")
    late = factories.make_ticket(now=FRIDAY_NINE, assignee_id=agent.id, subject="Late one")
    answered = factories.make_ticket(now=FRIDAY_NINE, assignee_id=agent.id, subject="Answered one")
    assert _at(datetime(2026, 12, 4, 9, 44))["warned"] == 0
    assert _at(datetime(2026, 12, 4, 9, 46))["warned"] == 2
    assert _notes("sla_warning") == [f"SLA warning: First response due in 14 min on #{late.id} Late one",
                                     f"SLA warning: First response due in 14 min on #{answered.id} Answered one"]
    assert _at(datetime(2026, 12, 4, 9, 47))["warned"] == 0  # once
    replies.post_reply(answered.id, agent.id, "On it.", "email")
    got = _at(datetime(2026, 12, 4, 10, 1))
    assert (got["breached"], got["warned"]) == (1, 0)
    assert _breaches(late.id) == ["first_response"] and _breaches(answered.id) == []


def test_each_next_response_cycle_warns_again(app, agent):
    _policy(next_response="1 h")
    ticket = factories.make_ticket(now=FRIDAY_NINE, assignee_id=agent.id)
    clock.set_now(FRIDAY_NINE + timedelta(minutes=5))
    replies.post_reply(ticket.id, agent.id, "Which order?", "email")
    for start in (datetime(2026, 12, 4, 10, 0), datetime(2026, 12, 4, 12, 0)):
        clock.set_now(start)
        db.session.add(Message(ticket_id=ticket.id, kind="customer", channel="email", body_text="Order 7",
                               created_at=start))
        db.session.commit()
        assert _at(start + timedelta(minutes=46))["warned"] == 1
        clock.set_now(start + timedelta(minutes=50))
        replies.post_reply(ticket.id, agent.id, "Thanks, looking.", "email")
    assert len(_notes("sla_warning")) == 2 and _breaches(ticket.id) == []


def test_the_warning_counts_open_hours_across_a_weekend(app, agent):
    schedules.save(None, "UTC", WEEKDAYS, "", "")
    _policy(first_response="2 h")
    ticket = factories.make_ticket(now=datetime(2026, 12, 4, 16, 0), assignee_id=agent.id)
    assert _at(datetime(2026, 12, 4, 16, 1))["refreshed"] == 1
    row = db.session.get(TicketSla, ticket.id)
    assert (row.alarm_at, row.alarm_kind) == (datetime(2026, 12, 7, 9, 30), "warning")  # Monday
    assert _at(datetime(2026, 12, 5, 12, 0))["warned"] == 0  # Saturday: nothing is running out
    assert _at(datetime(2026, 12, 7, 9, 31))["warned"] == 1


def test_after_downtime_every_missed_clock_is_recorded_and_no_stale_warning_sent(app, agent):
    _policy(first_response="1 h", resolution="2 h")
    ticket = factories.make_ticket(now=FRIDAY_NINE, assignee_id=agent.id)
    sla.check(FRIDAY_NINE)
    got = _at(datetime(2026, 12, 4, 12, 0))  # the schedule was down three hours
    assert (got["breached"], got["warned"]) == (2, 0)
    assert _breaches(ticket.id) == ["first_response", "resolution"] and _notes("sla_warning") == []


def test_many_alarms_at_once_are_all_sounded_in_batches(app, agent, monkeypatch):
    monkeypatch.setattr(sla, "BATCH", 3)
    _policy(first_response="1 h")
    ids = [factories.make_ticket(now=FRIDAY_NINE, assignee_id=agent.id).id for _ in range(7)]
    got = _at(datetime(2026, 12, 4, 11, 0))
    assert (got["refreshed"], got["breached"]) == (7, 7)
    assert all(_breaches(i) == ["first_response"] for i in ids)


def test_breaches_recorded_before_cycles_were_named_are_not_recorded_again(app, agent):
    _policy(first_response="1 h", resolution="4 h")
    ticket = factories.make_ticket(now=FRIDAY_NINE, assignee_id=agent.id)
    db.session.add(Message(ticket_id=ticket.id, kind="event", event_type="sla_breach",
                           event_data={"clock": "first_response", "due_at": "2026-12-04T10:00:00",
                                       "policy": "Standard"}, created_at=datetime(2026, 12, 4, 10, 1)))
    db.session.commit()
    assert _at(datetime(2026, 12, 4, 10, 30))["breached"] == 0
    assert db.session.get(TicketSla, ticket.id).alarm_clock == "resolution"


def test_a_policy_can_ask_for_a_tag(app, agent):
    _policy(first_response="8 h")
    refund = tags._tag("Refund", FRIDAY_NINE)
    db.session.commit()
    urgent = _policy(name="Refunds", first_response="30 min", tag_id=str(refund.id))
    policies.move(urgent.id, -1)
    ticket = factories.make_ticket(now=FRIDAY_NINE)
    _at(FRIDAY_NINE)
    assert db.session.get(TicketSla, ticket.id).due_at == FRIDAY_NINE + timedelta(hours=8)
    tags.change_tag(ticket.id, "refund", agent.id, add=True, now=FRIDAY_NINE + timedelta(minutes=1))
    _at(FRIDAY_NINE + timedelta(minutes=2))
    row = db.session.get(TicketSla, ticket.id)
    assert row.policy_id == urgent.id and row.due_at == FRIDAY_NINE + timedelta(minutes=30)
    assert sla.evaluate(ticket, clock.now()).policy.name == "Refunds"
    tags.change_tag(ticket.id, "Refund", agent.id, add=False, now=FRIDAY_NINE + timedelta(minutes=3))
    _at(FRIDAY_NINE + timedelta(minutes=4))
    assert db.session.get(TicketSla, ticket.id).due_at == FRIDAY_NINE + timedelta(hours=8)


def test_a_tag_a_policy_asks_for_cannot_be_deleted_and_an_unknown_tag_is_refused(app, admin):
    refund = tags._tag("Refund", FRIDAY_NINE)
    db.session.commit()
    policy = _policy(name="Refunds", first_response="30 min", tag_id=str(refund.id))
    with pytest.raises(ValidationError, match="Refunds"):
        tag_catalog.delete_tag(refund.id, admin.id)
    assert db.session.get(SlaPolicy, policy.id).tag_id == refund.id
    with pytest.raises(ValidationError, match="Choose a tag"):
        _policy(name="Ghost", first_response="1 h", tag_id="999")
    with pytest.raises(ValidationError, match="Choose a tag"):
        _policy(name="Ghost", first_response="1 h", tag_id="refund")


def test_a_customer_trait_changing_chooses_the_policy_again(app, agent):
    from halo.services.customers import profiles
    _policy(first_response="8 h")
    vip = _policy(name="VIP", first_response="30 min", trait="plan = vip")
    policies.move(vip.id, -1)
    ticket = factories.make_ticket(now=FRIDAY_NINE)
    _at(FRIDAY_NINE)
    assert db.session.get(TicketSla, ticket.id).due_at == FRIDAY_NINE + timedelta(hours=8)
    profiles.update_customer(ticket.customer, traits={"plan": "VIP"})
    assert _at(FRIDAY_NINE + timedelta(minutes=1))["refreshed"] == 1
    assert db.session.get(TicketSla, ticket.id).due_at == FRIDAY_NINE + timedelta(minutes=30)
