"""The widget for a visitor with a keyboard or a screen reader, in a real Chromium: an SVG
launcher that says what it does and how many replies wait, the team's name and greeting,
timestamps, Escape to close with focus back on the launcher."""
from playwright.sync_api import expect

from halo.extensions import db
from halo.models import Visitor
from halo.services.chat import settings as widget_settings
from halo.services.settings import set_setting
from halo.services.tickets import replies
from tests.browser.test_chat_widget import shop  # noqa: F401
from tests.factories import make_user


def test_keyboard_greeting_badge_and_timestamps(live_server, shop, new_page):  # noqa: F811
    set_setting("widget_allowed_origins", [shop])
    widget_settings.save_identity("Kettle Support", "Hi! Ask us anything about your kettle.")
    ada = make_user(email="ada@example.com", name="Ada Park")
    page = new_page({"width": 1280, "height": 800})
    page.goto(shop)
    widget = page.locator("#halo-chat-widget")
    launcher = widget.locator(".launcher")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(launcher.locator("svg.bubble")).to_be_visible()  # no emoji font needed
    launcher.focus()
    page.keyboard.press("Enter")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(widget.get_by_role("dialog", name="Kettle Support")).to_be_visible()
    expect(widget.locator(".greeting")).to_have_text("Hi! Ask us anything about your kettle.")
    box = widget.get_by_role("textbox", name="Message")
    expect(box).to_be_focused()
    box.fill("It whistles off-key")
    box.press("Enter")
    mine = widget.locator(".msg.visitor[data-id]")
    expect(mine.locator("time")).to_have_attribute("datetime", __import__("re").compile(r"^\d{4}-\d\d-\d\dT"))
    expect(widget.locator(".greeting")).to_have_count(0)  # the conversation has begun

    page.keyboard.press("Escape")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(launcher).to_be_focused()
    db.session.expire_all()
    ticket_id = db.session.scalar(db.select(Visitor.ticket_id))
    replies.post_reply(ticket_id, ada.id, "Try descaling it first.", "chat")
    expect(launcher).to_have_attribute("aria-label", "Open chat, 1 unread")
    expect(widget.locator(".badge")).to_have_text("1")
