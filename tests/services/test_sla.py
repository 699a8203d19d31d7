"""SLA policies on real tickets: the right policy, stored due times, breaches recorded once."""
from datetime import datetime, timedelta

from halo import clock
from halo.extensions import db
from halo.models import Message, Notification, SlaPolicy, TicketSla
from halo.services.errors import ValidationError
from halo.services.service_levels import policies, schedules, sla
from halo.services.tickets import replies, status
from tests import factories

FRIDAY_NINE = datetime(2026, 12, 4, 9, 0)
WEEKDAYS = ["09:00-17:00"] * 5 + ["closed"] * 2


def _policy(**form):
    return policies.save_policy(None, {"name": "Standard", "first_response": "1 h", **form})


def test_the_first_matching_policy_in_order_applies(app):
    vip = factories.make_customer(traits={"plan": "Enterprise"})
    standard = _policy(name="Standard", first_response="8 h")
    enterprise = _policy(name="Enterprise", first_response="30 min", trait="plan = enterprise")
    ticket = factories.make_ticket(customer=vip, now=FRIDAY_NINE)
    assert sla.policy_for(ticket).id == standard.id  # Standard is first
    policies.move(enterprise.id, -1)
    assert sla.policy_for(ticket).id == enterprise.id
    other = factories.make_ticket(now=FRIDAY_NINE)
    assert sla.policy_for(other).id == standard.id
    chat_only = _policy(name="Chat", first_response="5 min", channel="chat")
    policies.move(chat_only.id, -1)
    policies.move(chat_only.id, -1)
    assert sla.policy_for(other).id == standard.id


def test_policy_mistakes_are_named_and_save_nothing(app):
    for form, why in [({"name": "", "first_response": "1 h"}, "name"),
                      ({"name": "X"}, "at least one target"),
                      ({"name": "X", "first_response": "soon"}, "not a duration"),
                      ({"name": "X", "first_response": "0 min"}, "between 1 minute"),
                      ({"name": "X", "first_response": "1 h", "trait": "plan"}, "key = value"),
                      ({"name": "X", "first_response": "1 h", "channel": "fax"}, "not a channel")]:
        try:
            policies.save_policy(None, form)
        except ValidationError as exc:
            assert why in str(exc)
        else:
            raise AssertionError(f"{form} was accepted")
    assert db.session.scalar(db.select(db.func.count(SlaPolicy.id))) == 0


def test_the_check_stores_due_times_records_a_breach_once_and_escalates(app, agent):
    schedules.save(None, "UTC", WEEKDAYS, "", "")
    _policy(first_response="2 h", escalate="on")
    clock.set_now(datetime(2026, 12, 4, 16, 0))  # Friday 16:00: one open hour left today
    ticket = factories.make_ticket(now=clock.now(), assignee_id=agent.id)
    assert sla.check()["refreshed"] == 1
    row = db.session.get(TicketSla, ticket.id)
    assert row.due_at == datetime(2026, 12, 7, 10, 0) and row.due_clock == "first_response"

    clock.set_now(datetime(2026, 12, 7, 10, 1))  # Monday, a minute late
    assert sla.check()["breached"] == 1
    breach = db.session.scalar(db.select(Message).where(Message.event_type == "sla_breach"))
    assert breach.event_data["clock"] == "first_response" and breach.event_data["policy"] == "Standard"
    note = db.session.scalar(db.select(Notification).where(Notification.kind == "sla_breach"))
    assert note.user_id == agent.id and f"#{ticket.id}" in note.text
    db.session.refresh(ticket)
    assert ticket.status == "priority"
    assert sla.check()["breached"] == 0  # once per clock cycle


def test_a_reply_stops_the_clock_and_snoozing_pauses_it(app, agent):
    _policy(first_response="1 h", next_response="30 min")
    clock.set_now(FRIDAY_NINE)
    ticket = factories.make_ticket(now=FRIDAY_NINE)
    sla.check()
    assert db.session.get(TicketSla, ticket.id).due_at == FRIDAY_NINE + timedelta(hours=1)
    clock.set_now(FRIDAY_NINE + timedelta(minutes=20))
    replies.post_reply(ticket.id, agent.id, "We are on it.", "email")
    sla.check()
    assert db.session.get(TicketSla, ticket.id).due_at is None  # answered, nothing owed
    assert sla.reading(sla.evaluate(ticket, clock.now()), clock.now()).state == "met"

    clock.set_now(FRIDAY_NINE + timedelta(minutes=30))
    factories_message(ticket, "Still broken.")
    sla.check()
    assert db.session.get(TicketSla, ticket.id).due_at == FRIDAY_NINE + timedelta(hours=1)
    clock.set_now(FRIDAY_NINE + timedelta(minutes=40))
    status.change_status(ticket.id, "snoozed", agent.id, until=FRIDAY_NINE + timedelta(days=1))
    sla.check()
    assert db.session.get(TicketSla, ticket.id).due_at is None
    reading = sla.reading(sla.evaluate(ticket, clock.now()), clock.now())
    assert reading.text == "SLA paused (snoozed)"


def factories_message(ticket, text):
    db.session.add(Message(ticket_id=ticket.id, kind="customer", channel="email", body_text=text,
                           created_at=clock.now()))
    db.session.commit()


def test_no_policy_costs_nothing_and_shows_nothing(app):
    ticket = factories.make_ticket(now=FRIDAY_NINE)
    assert sla.check() == {"refreshed": 0, "breached": 0, "warned": 0}
    assert sla.reading(sla.evaluate(ticket, FRIDAY_NINE), FRIDAY_NINE) is None
    assert db.session.get(TicketSla, ticket.id) is None


def test_changing_hours_or_policies_recomputes_every_stored_clock(app):
    _policy(first_response="1 h")
    clock.set_now(FRIDAY_NINE)
    ticket = factories.make_ticket(now=FRIDAY_NINE)
    sla.check()
    schedules.save(None, "UTC", ["10:00-17:00"] * 5 + ["closed"] * 2, "", "")
    assert sla.check()["refreshed"] == 1
    assert db.session.get(TicketSla, ticket.id).due_at == datetime(2026, 12, 4, 11, 0)


def test_reading_says_due_overdue_or_met():
    from halo.services.service_levels.clocks import Clock
    now = FRIDAY_NINE
    due = Clock("first_response", 60, now, due_at=now + timedelta(minutes=23))
    assert sla.reading(sla.Evaluation(None, None, [due]), now).text == "First response due in 23 min"
    late = Clock("next_response", 60, now, due_at=now - timedelta(hours=2, minutes=5), elapsed_seconds=99999)
    assert sla.reading(sla.Evaluation(None, None, [late]), now).text == "Next response overdue by 2 h 5 min"
    done = Clock("resolution", 60, now, stopped_at=now, due_at=now + timedelta(hours=1), elapsed_seconds=60)
    assert sla.reading(sla.Evaluation(None, None, [done]), now).state == "met"


def test_a_merged_ticket_owes_its_earliest_message_to_the_target_clock(app, agent):
    """Whose clock wins: the target's, counting the merged thread. The customer's first
    unanswered message of either ticket is what the team owes an answer to."""
    from halo.services.tickets import merge
    _policy(first_response="2 h")
    customer = factories.make_customer(email="ana@example.org")
    older = factories.make_ticket(customer, body="My order is late", now=FRIDAY_NINE)
    newer = factories.make_ticket(customer, body="Any news?", now=FRIDAY_NINE + timedelta(hours=1))
    clock.set_now(FRIDAY_NINE + timedelta(minutes=90))
    merge.merge_tickets(newer.id, [older.id], agent.id)
    target = db.session.get(type(newer), newer.id)
    first = {c.name: c for c in sla.evaluate(target, clock.now()).clocks}["first_response"]
    assert first.due_at == FRIDAY_NINE + timedelta(hours=2)  # from 09:00, not 10:00
    merged = db.session.get(type(older), older.id)
    assert merged.status == "merged" and not any(c.running for c in sla.evaluate(merged, clock.now()).clocks)
