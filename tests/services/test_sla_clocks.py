"""SLA clocks computed from a thread: business hours, pauses, stops, and what each says."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from halo.services.service_levels.clocks import Line, Targets, compute, earliest_due
from halo.services.service_levels.hours import Schedule

NINE_TO_FIVE_UTC = Schedule(ZoneInfo("UTC"), tuple(((540, 1020),) for _ in range(5)) + ((), ()))
FRI = datetime(2026, 12, 4)  # a Friday


def at(day_offset, hour, minute=0):
    return FRI + timedelta(days=day_offset, hours=hour, minutes=minute)


def by_name(clocks):
    return {c.name: c for c in clocks}


def test_first_response_due_in_business_hours_across_the_weekend():
    lines = [Line(at(0, 16), "customer")]
    clocks = by_name(compute(lines, Targets(first_response=120), NINE_TO_FIVE_UTC, now=at(0, 16, 30)))
    first = clocks["first_response"]
    assert first.running and not first.paused and first.elapsed_seconds == 30 * 60
    assert first.due_at == at(3, 10)  # one hour on Friday, one on Monday 09:00-10:00
    assert not first.breached


def test_a_reply_stops_the_first_response_clock_and_a_late_one_is_a_breach():
    lines = [Line(at(0, 9), "customer"), Line(at(0, 12), "agent")]
    first = by_name(compute(lines, Targets(first_response=60), NINE_TO_FIVE_UTC, now=at(0, 13)))["first_response"]
    assert first.stopped_at == at(0, 12) and first.due_at == at(0, 10) and first.breached


def test_snoozed_over_the_weekend_pauses_the_clock():
    lines = [Line(at(0, 9), "customer"),
             Line(at(0, 10), "status", "snoozed"),
             Line(at(3, 11), "status", "open")]
    first = by_name(compute(lines, Targets(first_response=240), NINE_TO_FIVE_UTC, now=at(3, 12)))["first_response"]
    assert first.pauses == [(at(0, 10), at(3, 11), "snoozed")]
    assert first.elapsed_seconds == 2 * 3600  # Friday 09-10 and Monday 11-12
    assert first.due_at == at(3, 14)  # 1 hour on Friday, 3 from Monday 11:00


def test_while_snoozed_nothing_is_due_and_the_clock_says_paused():
    lines = [Line(at(0, 9), "customer"), Line(at(0, 10), "status", "snoozed")]
    first = by_name(compute(lines, Targets(first_response=240), NINE_TO_FIVE_UTC, now=at(0, 15)))["first_response"]
    assert first.paused and first.due_at is None and earliest_due([first]) is None


def test_next_response_starts_with_the_customer_after_a_reply():
    lines = [Line(at(0, 9), "customer"), Line(at(0, 9, 30), "agent"), Line(at(0, 11), "customer")]
    clocks = by_name(compute(lines, Targets(first_response=60, next_response=30), NINE_TO_FIVE_UTC, now=at(0, 11, 10)))
    assert not clocks["first_response"].running
    nxt = clocks["next_response"]
    assert nxt.started_at == at(0, 11) and nxt.due_at == at(0, 11, 30)
    assert earliest_due(list(clocks.values())) is nxt


def test_resolution_pauses_while_waiting_on_the_customer_and_stops_on_resolve():
    lines = [Line(at(0, 9), "customer"), Line(at(0, 10), "agent"),
             Line(at(0, 14), "customer"), Line(at(0, 15), "agent"),
             Line(at(0, 15), "status", "resolved")]
    res = by_name(compute(lines, Targets(resolution=480), NINE_TO_FIVE_UTC, now=at(0, 16)))["resolution"]
    assert res.stopped_at == at(0, 15) and res.elapsed_seconds == 2 * 3600
    assert (at(0, 10), at(0, 14), "waiting on the customer") in res.pauses


def test_a_customer_reopening_a_resolved_ticket_restarts_resolution_without_the_closed_time():
    lines = [Line(at(0, 9), "customer"), Line(at(0, 10), "status", "resolved"),
             Line(at(3, 9), "status", "open"), Line(at(3, 9), "customer")]
    res = by_name(compute(lines, Targets(resolution=180), NINE_TO_FIVE_UTC, now=at(3, 10)))["resolution"]
    assert res.running and res.elapsed_seconds == 2 * 3600 and res.due_at == at(3, 11)


def test_no_customer_message_no_clock_and_no_targets_no_clock():
    assert compute([Line(at(0, 9), "agent")], Targets(first_response=60), None, now=at(0, 10)) == []
    assert compute([Line(at(0, 9), "customer")], Targets(), None, now=at(0, 10)) == []


def test_without_business_hours_the_clock_counts_calendar_time():
    first = compute([Line(at(0, 23), "customer")], Targets(first_response=120), None, now=at(1, 0))[0]
    assert first.due_at == at(1, 1) and first.elapsed_seconds == 3600
