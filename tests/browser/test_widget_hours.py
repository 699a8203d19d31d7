"""The widget's hours line in a real browser: it says the reply time while the team is in,
and changes to when the team is back once it closes, without a reload."""
from datetime import datetime

from playwright.sync_api import expect

from halo import clock
from halo.blueprints.widget import ws as widget_ws
from halo.services.service_levels import schedules
from halo.services.settings import set_setting
from tests.browser.test_chat_widget import shop  # noqa: F401  (the customer's site fixture)


def test_the_hours_line_follows_the_team_closing(live_server, shop, new_page, monkeypatch):  # noqa: F811
    set_setting("widget_allowed_origins", [shop])
    monkeypatch.setattr(widget_ws.Conversation, "TICK", 0.05)
    schedules.save(None, "UTC", ["09:00-17:00"] * 5 + ["closed"] * 2, "", "2")
    clock.set_now(datetime(2026, 12, 4, 16, 58, 30))  # Friday, open
    visitor = new_page(viewport={"width": 390, "height": 800})
    visitor.goto(shop)
    widget = visitor.locator("#halo-chat-widget")
    widget.locator(".launcher").click()
    hours = widget.locator(".hours")
    expect(hours).to_have_text("We usually reply within 2 hours")
    clock.set_now(datetime(2026, 12, 4, 17, 0, 30))
    expect(hours).to_contain_text("We're back Monday at 9:00")
    expect(hours).to_be_visible()
