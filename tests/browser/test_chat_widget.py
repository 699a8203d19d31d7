"""A visitor chats through the embedded widget; agents answer live, one as an alias."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from halo.extensions import db
from halo.models import Visitor
from halo.services.accounts.aliases import create_alias
from halo.services.settings import set_setting
from tests.browser.conftest import sign_in
from tests.factories import make_user

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360f8cf000000030101001880dd0b0000000049454e44ae426082")


@pytest.fixture
def shop(live_server):
    """The customer's website, on its own origin, embedding the widget with one script tag."""
    page = (f'<!doctype html><html><head><title>Shop</title><style>* {{ color: red !important }}</style></head>'
            f'<body><h1>Kettle shop</h1><script src="{live_server}/widget.js" data-workspace="" async></script>'
            f'</body></html>').encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_widget_chat_with_alias_badge_and_live_second_agent(live_server, shop, new_page):
    set_setting("widget_allowed_origins", [shop])
    ada = make_user(email="ada@example.com", name="Ada Park")
    ben = make_user(email="ben@example.com", name="Ben Cho")
    create_alias("Kim from Kettle", PNG)

    visitor = new_page(viewport={"width": 390, "height": 800})
    visitor.goto(shop)
    widget = visitor.locator("#halo-chat-widget")
    widget.locator(".launcher").click()
    widget.locator("textarea").fill("Hi, my kettle whistles off-key")
    widget.locator("textarea").press("Enter")
    expect(widget.locator(".msg.visitor[data-id]")).to_have_count(1)
    db.session.expire_all()
    ticket_id = db.session.scalar(db.select(Visitor.ticket_id))

    a, b = new_page(), new_page()
    sign_in(a, live_server, ada.email)
    sign_in(b, live_server, ben.email)
    b.goto(f"{live_server}/tickets/{ticket_id}")
    a.goto(f"{live_server}/tickets/{ticket_id}")
    expect(a.locator("#thread")).to_contain_text("whistles off-key")
    expect(b.locator(f"#ticket-{ticket_id}-presence")).to_contain_text("Ada Park is viewing")

    a.select_option("#composer select[name=alias_id]", label="Kim from Kettle")
    a.fill("#composer textarea", "Sorry to hear that! Which model is it?")
    a.click("#composer button[type=submit]")
    team = widget.locator(".msg.team")
    expect(team).to_have_count(1)
    expect(team.first).to_contain_text("Kim from Kettle")
    expect(team.first).not_to_contain_text("Ada")
    expect(b.locator("#thread")).to_contain_text("Which model is it?")

    widget.locator(".close").click()
    a.fill("#composer textarea", "Also, a free replacement lid is on its way.")
    a.click("#composer button[type=submit]")
    expect(widget.locator(".badge")).to_have_text("1")
    widget.locator(".launcher").click()
    expect(team).to_have_count(2)
    expect(team.last).to_contain_text("replacement lid")
    expect(widget.locator(".badge")).to_be_hidden()
    expect(b.locator("#thread")).to_contain_text("replacement lid")



def test_an_agent_blocks_a_visitor_whose_widget_closes_for_good(live_server, shop, new_page):
    set_setting("widget_allowed_origins", [shop])
    ada = make_user(email="ada@example.com", name="Ada Park")
    visitor = new_page(viewport={"width": 390, "height": 800})
    visitor.goto(shop)
    widget = visitor.locator("#halo-chat-widget")
    widget.locator(".launcher").click()
    widget.locator("textarea").fill("Buy cheap watches at spam.example")
    widget.locator("textarea").press("Enter")
    # A process's first message loads the language profiles: give a loaded machine time.
    expect(widget.locator(".msg.visitor[data-id]")).to_have_count(1, timeout=30_000)
    db.session.expire_all()
    ticket_id = db.session.scalar(db.select(Visitor.ticket_id))

    agent = new_page()
    sign_in(agent, live_server, ada.email)
    agent.goto(f"{live_server}/tickets/{ticket_id}")
    panel = agent.locator(f"#ticket-{ticket_id}-visitor")
    expect(panel).to_contain_text("Online")
    agent.on("dialog", lambda dialog: dialog.accept())  # "Block this visitor?"
    panel.get_by_role("button", name="Block visitor").click()
    expect(panel.locator(".chip-blocked")).to_have_text("Blocked")
    expect(panel.get_by_role("button", name="Unblock visitor")).to_be_visible()

    expect(widget.locator(".status")).to_have_text("· this chat is closed")
    expect(widget.locator("textarea")).to_be_disabled()
    visitor.reload()  # the same token: turned away again
    widget = visitor.locator("#halo-chat-widget")
    expect(widget.locator(".status")).to_have_text("· this chat is closed")
