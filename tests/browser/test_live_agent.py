"""Agent pages stay live over /ws/agent: inbox rows and counts, /live, presence, catch-up.

Changes are made through the services in the test process (the live server shares its
in-process bus) or by a second agent in another browser context, as a teammate would.
"""
import socket
import threading

import pytest
from playwright.sync_api import expect

from halo.services import chat
from halo.services.tickets.assignment import assign_ticket
from halo.services.tickets.handoff import pass_to_ai, take_over
from halo.services.tickets.replies import post_reply
from halo.services.tickets.status import change_status
from tests.browser.conftest import sign_in
from tests.factories import make_ticket, make_user


@pytest.fixture
def ada():
    return make_user(email="ada@example.com", name="Ada Park")


@pytest.fixture
def ben():
    return make_user(email="ben@example.com", name="Ben Cho")


def _connected(page):
    """Wait until the server has subscribed the page's socket (its first push has arrived)."""
    expect(page.locator("#live-socket")).to_have_attribute("data-state", "live")


def _count(page, view):
    return page.locator(f'#view-counts a[data-view="{view}"] .count')


def test_inbox_rows_and_counts_update_live(live_server, new_page, ada, ben):
    page = new_page()
    sign_in(page, live_server, ada.email)
    _connected(page)
    rows = page.locator("#ticket-rows tr.ticket-row")
    empty = page.get_by_text("Nothing here. Enjoy the quiet.")
    expect(empty).to_be_visible()
    expect(page.locator("#result-count")).to_have_text("0 tickets")

    first = _chat("Is the blue kettle back in stock?")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("blue kettle")
    expect(empty).to_be_hidden()
    expect(page.locator("#result-count")).to_have_text("1 ticket")
    second = _chat("Do you sell spare filters?")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_id(f"ticket-row-{second}")
    expect(_count(page, "open")).to_have_text("2")
    expect(_count(page, "unassigned")).to_have_text("2")

    assign_ticket(first, ben.id, ben.id)
    expect(rows.first).to_have_id(f"ticket-row-{first}")
    expect(rows.first).to_contain_text("Ben Cho")
    expect(rows).to_have_count(2)
    expect(_count(page, "unassigned")).to_have_text("1")

    change_status(first, "resolved", ben.id)
    change_status(second, "spam", ben.id)
    expect(rows).to_have_count(0)
    expect(empty).to_be_visible()
    expect(page.locator("#result-count")).to_have_text("0 tickets")
    expect(_count(page, "open")).to_have_text("0")
    expect(_count(page, "resolved")).to_have_text("1")
    expect(_count(page, "spam")).to_have_text("1")


def _chat(body):
    """A new visitor starts a chat; returns its ticket id."""
    visitor, _ = chat.open_visitor(None)
    message, _ = chat.receive_visitor_message(visitor.id, "c1", body)
    return message.ticket_id


def test_live_conversations_update_live(live_server, new_page, ada):
    page = new_page()
    sign_in(page, live_server, ada.email)
    page.goto(live_server + "/live")
    _connected(page)
    expect(page.locator("#live-rows")).to_contain_text("No chats in progress.")

    visitor, _ = chat.open_visitor(None)
    chat.visitor_connected(visitor.id, +1)
    message, _ = chat.receive_visitor_message(visitor.id, "c1", "Hello, anyone there?")
    row = page.locator(f"#live-{message.ticket_id}")
    expect(row).to_contain_text("Hello, anyone there?")
    expect(row.locator(".handler")).to_have_text("Waiting for a teammate")  # no AI model configured
    expect(row).to_contain_text("Online")

    expect(_count(page, "open")).to_have_text("1")  # the sidebar is live on every page

    take_over(message.ticket_id, ada.id)
    expect(row.locator(".handler")).to_have_text("Ada Park")
    expect(_count(page, "mine")).to_have_text("1")

    pass_to_ai(message.ticket_id, ada.id)
    expect(row.locator(".handler")).to_have_text("Waiting for a teammate")

    chat.visitor_connected(visitor.id, -1)
    expect(row).to_contain_text("Away")
    expect(page.locator("#live-rows tr")).to_have_count(1)


def test_viewing_and_typing_presence(live_server, new_page, ada, ben):
    ticket = make_ticket(subject="Descaling advice")
    a, b = new_page(), new_page()
    sign_in(a, live_server, ada.email)
    sign_in(b, live_server, ben.email)
    a.goto(f"{live_server}/tickets/{ticket.id}")
    _connected(a)
    b.goto(f"{live_server}/tickets/{ticket.id}")
    presence_a = a.locator(f"#ticket-{ticket.id}-presence")
    presence_b = b.locator(f"#ticket-{ticket.id}-presence")
    expect(presence_a).to_have_text("Ben Cho is viewing")
    expect(presence_b).to_have_text("Ada Park is viewing")

    b.locator("#composer textarea").press_sequentially("Try vinegar")
    expect(presence_a).to_have_text("Ben Cho is typing…")
    expect(presence_b).to_have_text("Ada Park is viewing")

    b.close()
    expect(presence_a).to_have_text("")


def test_teammate_changes_appear_on_open_ticket(live_server, new_page, ada, ben):
    ticket = make_ticket(subject="Refund for order 1042")
    a, b = new_page(), new_page()
    sign_in(a, live_server, ada.email)
    sign_in(b, live_server, ben.email)
    for page in (a, b):
        page.goto(f"{live_server}/tickets/{ticket.id}")
        _connected(page)

    a.select_option(f"#status-{ticket.id}", "priority")
    expect(b.locator(f"#status-{ticket.id}")).to_have_value("priority")
    expect(_count(b, "priority")).to_have_text("1")
    a.select_option(f"#assignee-{ticket.id}", label="Ben Cho")
    expect(b.locator(f"#assignee-{ticket.id}")).to_have_value(str(ben.id))
    expect(b.locator(f"#assignee-{ticket.id} option:checked")).to_have_text("Ben Cho (me)")

    a.click("#composer [role=tab]:has-text('Note')")
    # Wait for the Note composer to be swapped in, or the text lands in the old one.
    expect(a.locator("#composer input[name=mode]")).to_have_value("note")
    a.fill("#composer textarea", "Customer already returned the parcel.")
    a.click("#composer button[type=submit]")
    expect(b.locator("#thread")).to_contain_text("already returned the parcel")
    expect(b.locator("#thread .item:has-text('already returned the parcel')")).to_have_count(1)
    expect(a.locator("#thread .item:has-text('already returned the parcel')")).to_have_count(1)

    # Ben's own status change still works after its control was swapped in by the socket.
    b.select_option(f"#status-{ticket.id}", "in_progress")
    expect(a.locator(f"#status-{ticket.id}")).to_have_value("in_progress")


def test_new_chat_line_leaves_an_open_menu_alone(live_server, new_page, ada):
    """A customer line re-sends no ticket controls, so a half-made choice survives it."""
    visitor, _ = chat.open_visitor(None)
    message, _ = chat.receive_visitor_message(visitor.id, "c1", "Hello?")
    page = new_page()
    sign_in(page, live_server, ada.email)
    page.goto(f"{live_server}/tickets/{message.ticket_id}")
    _connected(page)
    status = page.locator(f"#ticket-{message.ticket_id}-status")
    status.locator("details.snooze summary").click()
    status.locator("input[name=until]").fill("2030-01-02T09:30")
    chat.receive_visitor_message(visitor.id, "c2", "Are you there?")
    expect(page.locator("#thread")).to_contain_text("Are you there?")
    expect(status.locator("details.snooze")).to_have_attribute("open", "")
    expect(status.locator("input[name=until]")).to_have_value("2030-01-02T09:30")


def test_catch_up_after_dropped_connection(live_server, new_page, ada, ben):
    """A network drop (no close frame): the page reconnects by itself and gets each missed line once."""
    ticket = make_ticket(subject="Warranty question")
    with FlakyProxy(live_server) as proxy:
        page = new_page()
        sign_in(page, proxy.url, ada.email)
        page.goto(f"{proxy.url}/tickets/{ticket.id}")
        _connected(page)
        thread = page.locator("#thread > li")
        expect(thread).to_have_count(1)

        proxy.drop()
        expect(page.locator("#live-socket")).to_have_attribute("data-state", "offline")
        post_reply(ticket.id, ben.id, "Checked: two years of warranty.", "note")
        change_status(ticket.id, "priority", ben.id)
        assign_ticket(ticket.id, ben.id, ben.id)
        expect(page.locator("#thread")).not_to_contain_text("two years of warranty")

        proxy.restore()
        _connected(page)
        expect(page.locator("#thread")).to_contain_text("two years of warranty")
        expect(page.locator(f"#status-{ticket.id}")).to_have_value("priority")
        expect(page.locator(f"#assignee-{ticket.id}")).to_have_value(str(ben.id))
        post_reply(ticket.id, ben.id, "And the receipt is attached.", "note")
        expect(page.locator("#thread")).to_contain_text("receipt is attached")
        # customer message, note, status event, assignment event, second note: each once
        ids = thread.evaluate_all("els => els.map(e => e.id)")
        assert len(ids) == len(set(ids)) == 5


def test_inbox_and_live_catch_up_after_dropped_connection(live_server, new_page, ada, ben):
    stays = make_ticket(subject="Descaler dosage")
    goes = make_ticket(subject="Broken handle")
    with FlakyProxy(live_server) as proxy:
        inbox, live = new_page(), new_page()
        sign_in(inbox, proxy.url, ada.email)
        sign_in(live, proxy.url, ben.email)
        live.goto(proxy.url + "/live")
        for page in (inbox, live):
            _connected(page)
        rows = inbox.locator("#ticket-rows tr.ticket-row")
        expect(rows).to_have_count(2)

        proxy.drop()
        for page in (inbox, live):
            expect(page.locator("#live-socket")).to_have_attribute("data-state", "offline")
        change_status(goes.id, "resolved", ben.id)
        assign_ticket(stays.id, ben.id, ben.id)
        visitor, _ = chat.open_visitor(None)
        message, _ = chat.receive_visitor_message(visitor.id, "c1", "Do you ship to Iceland?")

        proxy.restore()
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text("ship to Iceland")
        expect(inbox.locator(f"#ticket-row-{stays.id}")).to_contain_text("Ben Cho")
        expect(inbox.locator(f"#ticket-row-{goes.id}")).to_have_count(0)
        expect(_count(inbox, "resolved")).to_have_text("1")
        expect(live.locator(f"#live-{message.ticket_id}")).to_contain_text("ship to Iceland")


def test_viewing_survives_a_second_tab_closing(live_server, new_page, ada, ben):
    """Presence is per page: Ben closing one of two tabs on a ticket leaves him viewing it."""
    ticket = make_ticket(subject="Two tabs")
    a, b1 = new_page(), new_page()
    sign_in(a, live_server, ada.email)
    sign_in(b1, live_server, ben.email)
    b2 = b1.context.new_page()
    a.goto(f"{live_server}/tickets/{ticket.id}")
    _connected(a)
    for page in (b1, b2):
        page.goto(f"{live_server}/tickets/{ticket.id}")
        _connected(page)
    presence = a.locator(f"#ticket-{ticket.id}-presence")
    expect(presence).to_have_text("Ben Cho is viewing")
    b2.close()
    post_reply(ticket.id, ben.id, "still here", "note")  # an event after the close was handled
    expect(a.locator("#thread")).to_contain_text("still here")
    expect(presence).to_have_text("Ben Cho is viewing")
    b1.close()
    expect(presence).to_have_text("")


class FlakyProxy:
    """A TCP proxy in front of the live server whose connections a test can cut.

    drop() closes every connection without a WebSocket close frame, as a network drop
    does, and holds new connections until restore(), so the browser's retries wait.
    """

    def __init__(self, base):
        self.target = int(base.rsplit(":", 1)[1])
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.up = threading.Event()
        self.up.set()
        self.lock = threading.Lock()
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.listener.close()
        self.up.set()
        self.drop()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        self.up.wait()
        upstream = socket.create_connection(("127.0.0.1", self.target))
        with self.lock:
            self.conns += [client, upstream]
        threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()
        self._pipe(client, upstream)

    @staticmethod
    def _pipe(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            _shut(s)

    def drop(self):
        self.up.clear()
        with self.lock:
            conns, self.conns = self.conns, []
        for s in conns:
            _shut(s)

    def restore(self):
        self.up.set()


def _shut(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def test_agents_on_two_processes_see_each_other_live(two_servers, new_page, ada, ben):
    server_a, server_b = two_servers
    ticket = make_ticket(subject="Two hosts")
    a, b, inbox = new_page(), new_page(), new_page()
    sign_in(a, server_a, ada.email)
    sign_in(inbox, server_a, ben.email)
    sign_in(b, server_b, ben.email)
    a.goto(f"{server_a}/tickets/{ticket.id}")
    b.goto(f"{server_b}/tickets/{ticket.id}")
    for page in (a, b, inbox):
        _connected(page)
    expect(a.locator(f"#ticket-{ticket.id}-presence")).to_have_text("Ben Cho is viewing")
    expect(b.locator(f"#ticket-{ticket.id}-presence")).to_have_text("Ada Park is viewing")

    b.locator("#composer textarea").press_sequentially("Hm")
    expect(a.locator(f"#ticket-{ticket.id}-presence")).to_have_text("Ben Cho is typing…")
    b.select_option(f"#status-{ticket.id}", "priority")
    expect(a.locator(f"#status-{ticket.id}")).to_have_value("priority")
    expect(_count(inbox, "priority")).to_have_text("1")
    b.select_option(f"#assignee-{ticket.id}", label="Ada Park")
    expect(a.locator(f"#assignee-{ticket.id}")).to_have_value(str(ada.id))
    expect(inbox.locator(f"#ticket-row-{ticket.id}")).to_contain_text("Ada Park")
