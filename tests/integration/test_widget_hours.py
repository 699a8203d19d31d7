"""The hours line of an open widget follows the clock: when the team closes (or opens, or
"tomorrow" becomes "today") while a visitor has the widget open, the server sends the new
line; a minute that changes nothing sends nothing."""
from datetime import datetime

import pytest

from halo import clock
from halo.blueprints.widget import ws as widget_ws
from halo.services.service_levels import promise, schedules
from halo.services.settings import set_setting

from .chat_helpers import Widget

WEEKDAYS = ["09:00-17:00"] * 5 + ["closed"] * 2
FRIDAY = datetime(2026, 12, 4)


@pytest.fixture
def server(live_server, monkeypatch):
    set_setting("widget_allowed_origins", [live_server])
    monkeypatch.setattr(widget_ws.Conversation, "TICK", 0.05)  # the loop re-reads the clock this often
    return live_server


def test_the_line_changes_when_the_team_closes_and_only_then(server):
    schedules.save(None, "UTC", WEEKDAYS, "", "2")
    clock.set_now(FRIDAY.replace(hour=16, minute=58, second=10))
    w = Widget(server)
    assert w.welcome["availability"]["text"] == "We usually reply within 2 hours"

    clock.set_now(FRIDAY.replace(hour=16, minute=59, second=5))  # a new minute, still open
    assert not [f for f in w.roundtrip() if f["type"] == "availability"]
    clock.set_now(FRIDAY.replace(hour=17, minute=0, second=20))
    frame = w.until("availability")
    assert frame["availability"]["text"] == "We're back Monday at 9:00 (UTC time)"
    assert frame["availability"]["open"] is False


def test_a_closed_widget_left_open_overnight_says_today(server):
    schedules.save(None, "Europe/Paris", WEEKDAYS, "", "2")
    clock.set_now(datetime(2026, 12, 2, 22, 0))  # Wednesday 23:00 in Paris
    w = Widget(server)
    assert w.welcome["availability"]["text"] == "We're back tomorrow at 9:00 (Europe/Paris time)"
    clock.set_now(datetime(2026, 12, 3, 5, 0))  # Thursday 06:00 in Paris
    assert w.until("availability")["availability"]["text"] == "We're back today at 9:00 (Europe/Paris time)"


def test_a_widget_opened_just_after_an_edit_reads_the_edited_hours(server):
    schedules.save(None, "UTC", WEEKDAYS, "", "2")
    clock.set_now(FRIDAY.replace(hour=10, minute=0, second=5))
    assert Widget(server).welcome["availability"]["text"] == "We usually reply within 2 hours"
    promise.this_minute(None, "en")  # what open widgets share this minute
    schedules.save(None, "UTC", WEEKDAYS, "", "4")  # an admin edits, then opens the widget
    assert Widget(server).welcome["availability"]["text"] == "We usually reply within 4 hours"
