"""Business hours: open time across weekends, closed days and clock changes, as typed by an admin."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from halo.extensions import db
from halo.models import BusinessHours, Inbox
from halo.services.errors import ValidationError
from halo.services.service_levels import schedules
from halo.services.service_levels.hours import Schedule, always

NINE_TO_FIVE = tuple(((9 * 60, 17 * 60),) for _ in range(5)) + ((), ())


def week(tz="Europe/Berlin", holidays=()):
    return Schedule(ZoneInfo(tz), NINE_TO_FIVE, frozenset(holidays))


def H(n):
    return n * 3600


# Times below are naive UTC; Berlin is UTC+1 in winter, UTC+2 in summer.

def test_a_friday_afternoon_ticket_is_due_on_monday_morning():
    # Friday 2026-12-04 15:00 Berlin = 14:00 UTC; 4 open hours: 2 on Friday, 2 on Monday.
    due = week().after(datetime(2026, 12, 4, 14, 0), H(4))
    assert due == datetime(2026, 12, 7, 10, 0)  # Monday 11:00 Berlin
    assert week().open_seconds(datetime(2026, 12, 4, 14, 0), due) == H(4)


def test_the_weekend_counts_nothing_and_a_closed_instant_waits_for_opening():
    saturday = datetime(2026, 12, 5, 12, 0)
    assert not week().is_open(saturday)
    assert week().open_seconds(saturday, datetime(2026, 12, 6, 22, 0)) == 0
    assert week().next_open(saturday) == datetime(2026, 12, 7, 8, 0)  # Monday 09:00 Berlin
    assert week().after(saturday, 60) == datetime(2026, 12, 7, 8, 1)


def test_closed_days_are_skipped_and_overlapping_ones_are_one_day():
    closed = schedules.parse_holidays("2026-12-24..2026-12-26 Christmas\n2026-12-25 Christmas Day\n")
    assert sorted(closed) == [date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26)]
    s = week(holidays=closed)
    # Wednesday 23 Dec 16:00 Berlin; 2 hours: 1 that day, then Thu-Fri closed, Monday 09:00-10:00.
    assert s.after(datetime(2026, 12, 23, 15, 0), H(2)) == datetime(2026, 12, 28, 9, 0)


@pytest.mark.parametrize("tz,day,expected_hours", [
    ("Europe/Berlin", date(2026, 3, 29), 0),      # Sunday of the spring change: closed
    ("Europe/Berlin", date(2026, 3, 30), 8),      # first summer-time Monday: still 8 hours
    ("America/New_York", date(2026, 3, 9), 8),    # Monday after the US change
    ("America/New_York", date(2026, 11, 2), 8),   # Monday after the autumn change
])
def test_a_working_day_is_eight_hours_whatever_the_clock_did(tz, day, expected_hours):
    midnight = datetime.combine(day, datetime.min.time())  # as UTC; the window covers the local day
    s = week(tz)
    assert s.open_seconds(midnight - timedelta(hours=3), midnight + timedelta(hours=27)) == H(expected_hours)
    if expected_hours:
        nine = datetime.combine(day, datetime.min.time()).replace(hour=9, tzinfo=ZoneInfo(tz))
        assert s.next_open(midnight - timedelta(hours=3)) == nine.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def test_a_night_shift_across_the_spring_gap_lasts_the_hour_that_passes():
    # Open 00:00-04:00 every day in Berlin; on 2026-03-29 02:00 jumps to 03:00.
    nights = Schedule(ZoneInfo("Europe/Berlin"), tuple(((0, 240),) for _ in range(7)))
    assert nights.open_seconds(datetime(2026, 3, 28, 12), datetime(2026, 3, 29, 12)) == H(3)
    assert nights.open_seconds(datetime(2026, 10, 24, 12), datetime(2026, 10, 25, 12)) == H(5)


def test_a_schedule_never_open_has_no_due_time_and_around_the_clock_is_calendar_time():
    shut = Schedule(ZoneInfo("UTC"), ((),) * 7)
    assert shut.after(datetime(2026, 12, 4), 60) is None and shut.next_open(datetime(2026, 12, 4)) is None
    every_day_closed = week(holidays={date(2026, 1, 1) + timedelta(days=i) for i in range(5 * 366)})
    assert every_day_closed.after(datetime(2026, 1, 1), 60) is None
    assert always().after(datetime(2026, 12, 5, 23, 0), H(2)) == datetime(2026, 12, 6, 1, 0)


@pytest.mark.parametrize("text,spans", [
    ("09:00-17:00", ((540, 1020),)),
    ("9-12, 13:30–17", ((540, 720), (810, 1020))),
    ("13:00-17:00; 09:00-13:00", ((540, 1020),)),       # touching ranges join
    ("00:00-24:00", ((0, 1440),)),
    ("closed", ()), ("", ()),
])
def test_a_day_is_typed_as_a_person_writes_it(text, spans):
    assert schedules.parse_day(text) == spans
    assert schedules.parse_day(schedules.format_day(spans)) == spans


@pytest.mark.parametrize("text,why", [
    ("25:00-26:00", "not a time of day"), ("09:60-10:00", "not a time of day"),
    ("17:00-09:00", "ends before it starts"), ("24:00-24:00", "not a time of day"),
    ("nine to five", "not a time of day"), ("0900", "as a range"),
])
def test_a_badly_typed_day_names_the_day(text, why):
    with pytest.raises(ValidationError) as exc:
        schedules.parse_day(text, "Tuesday")
    assert str(exc.value).startswith("Tuesday:") and why in str(exc.value)


@pytest.mark.parametrize("text", ["2026-13-01 Nope", "Christmas", "2026-12-31..2026-12-01 Back", "2026-01-01..2027-06-01 Long"])
def test_a_bad_closed_day_names_its_line(text):
    with pytest.raises(ValidationError, match="line 2"):
        schedules.parse_holidays("2026-12-25 Christmas\n" + text)


def _inbox(name="Billing"):
    inbox = Inbox(name=name)
    db.session.add(inbox)
    db.session.commit()
    return inbox


def test_an_inbox_keeps_the_workspace_hours_until_it_has_its_own(app):
    inbox = _inbox()
    assert schedules.schedule_for(inbox.id) is None  # nothing set: around the clock
    schedules.save(None, "Europe/Berlin", ["09:00-17:00"] * 5 + ["closed"] * 2, "", "")
    assert schedules.schedule_for(inbox.id).tz.key == "Europe/Berlin"
    schedules.save(inbox.id, "America/New_York", ["08:00-20:00"] * 7, "2026-12-25 Christmas", "4")
    own = schedules.schedule_for(inbox.id)
    assert own.tz.key == "America/New_York" and own.holidays == {date(2026, 12, 25)}
    assert schedules.form_for(inbox.id).own and schedules.form_for(inbox.id).reply_hours == 4
    schedules.clear(inbox.id)
    assert schedules.schedule_for(inbox.id).tz.key == "Europe/Berlin"


def test_a_bad_form_saves_nothing(app):
    schedules.save(None, "UTC", ["09:00-17:00"] * 7, "2026-12-25 Christmas", "")
    for tz, days, holidays, reply in [
        ("Mars/Olympus", ["09:00-17:00"] * 7, "", ""),
        ("UTC", ["09:00-17:00"] * 6 + ["late"], "", ""),
        ("UTC", ["09:00-17:00"] * 7, "soon", ""),
        ("UTC", ["09:00-17:00"] * 7, "", "0"),
    ]:
        with pytest.raises(ValidationError):
            schedules.save(None, tz, days, holidays, reply)
    row = db.session.scalar(db.select(BusinessHours))
    assert row.timezone == "UTC" and [h.day for h in row.holidays] == [date(2026, 12, 25)]


def test_availability_says_open_or_when_the_team_is_back(app):
    assert schedules.availability(None, datetime(2026, 12, 5, 12)).open  # no hours: always open
    schedules.save(None, "Europe/Berlin", ["09:00-17:00"] * 5 + ["closed"] * 2, "", "3")
    friday = schedules.availability(None, datetime(2026, 12, 4, 10))
    assert friday.open and friday.reply_hours == 3 and friday.next_open is None
    saturday = schedules.availability(None, datetime(2026, 12, 5, 12))
    assert not saturday.open and saturday.as_json()["next_open"] == "2026-12-07T08:00:00Z"
