"""What the widget says about the team's hours: the reply time while open, when the team
is back while closed (in the visitor's zone when known), nothing otherwise."""
from datetime import datetime

import pytest

from halo.blueprints.widget.hello import BadHello, parse_hello
from halo.services.service_levels import promise, schedules

WEEKDAYS = ["09:00-17:00"] * 5 + ["closed"] * 2
FRIDAY_TEN = datetime(2026, 12, 4, 10, 0)      # UTC; 11:00 in Paris
SATURDAY_NOON = datetime(2026, 12, 5, 12, 0)


def test_open_with_a_reply_time_says_it(app):
    schedules.save(None, "Europe/Paris", WEEKDAYS, "", "2")
    said = promise.for_widget(None, FRIDAY_TEN)
    assert said["open"] and said["text"] == "We usually reply within 2 hours"
    schedules.save(None, "Europe/Paris", WEEKDAYS, "", "48")
    assert promise.for_widget(None, FRIDAY_TEN)["text"] == "We usually reply within 2 days"
    schedules.save(None, "Europe/Paris", WEEKDAYS, "", "")
    assert promise.for_widget(None, FRIDAY_TEN)["text"] is None


def test_closed_says_when_back_in_the_visitors_zone_or_the_schedules(app):
    schedules.save(None, "Europe/Paris", WEEKDAYS, "", "2")
    said = promise.for_widget("America/New_York", SATURDAY_NOON)
    assert not said["open"] and said["next_open"] == "2026-12-07T08:00:00Z"
    assert said["text"] == "We're back Monday at 3:00"  # 09:00 Paris is 03:00 in New York
    assert promise.for_widget("Not/AZone", SATURDAY_NOON)["text"] == "We're back Monday at 9:00 (Europe/Paris time)"
    assert promise.for_widget(None, datetime(2026, 12, 4, 20, 0))["text"] == "We're back Monday at 9:00 (Europe/Paris time)"
    thursday_night = datetime(2026, 12, 3, 22, 0)
    assert promise.for_widget("Europe/Paris", thursday_night)["text"] == "We're back tomorrow at 9:00"
    early = datetime(2026, 12, 3, 6, 0)
    assert promise.for_widget("Europe/Paris", early)["text"] == "We're back today at 9:00"
    schedules.save(None, "Europe/Paris", WEEKDAYS, "2026-12-07..2026-12-31 Winter break", "2")
    assert promise.for_widget("Europe/Paris", SATURDAY_NOON)["text"] == "We're back on 1 January at 9:00"


def test_no_schedule_or_never_open_says_nothing(app):
    assert promise.for_widget("Europe/Paris", SATURDAY_NOON)["text"] is None
    schedules.save(None, "UTC", ["closed"] * 7, "", "3")
    assert promise.for_widget("Europe/Paris", SATURDAY_NOON)["text"] is None


@pytest.mark.parametrize("tz, ok", [("Europe/Paris", True), (None, True), (5, False), ("x" * 65, False)])
def test_the_hello_may_name_the_visitors_zone(tz, ok):
    frame = '{"type":"hello","token":null,"last_id":0%s}' % (
        "" if tz is None else ',"tz":' + (f'"{tz}"' if isinstance(tz, str) else str(tz)))
    if ok:
        assert parse_hello(frame, None).tz == tz
    else:
        with pytest.raises(BadHello, match="tz must be a time zone name"):
            parse_hello(frame, None)
