"""Whole pages kept until what they show changes (halo/kept_pages.py).

The inbox and the ticket page are rendered once per key and handed out again: each test
renders a page, changes something no change stamp covers (or that only the key's own
values carry), and renders it again in the same minute of a frozen clock.
"""
import re
from datetime import timedelta

from flask import template_rendered

from halo.extensions import db
from halo.models import Notification, Visitor
from halo.services.tickets import status
from tests.conftest import Browser
from tests.factories import make_ticket

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
SEND_KEY = re.compile(r'name="send_key" value="([^"]+)"')


class _Rendered:
    """The names of the templates rendered while it is open."""

    def __init__(self, app):
        self.app, self.names = app, []

    def __enter__(self):
        template_rendered.connect(self._note, self.app)
        return self.names

    def __exit__(self, *exc):
        template_rendered.disconnect(self._note, self.app)

    def _note(self, _app, template, context, **_):
        self.names.append(template.name)


def test_a_kept_ticket_page_gives_each_form_a_new_send_key_and_each_session_its_token(client, app, agent, frozen):
    ticket = make_ticket(subject="Kept whole")
    first, second = Browser(client), Browser(app.test_client())
    first.login(agent.email)
    second.login(agent.email)
    path = f"/tickets/{ticket.id}"
    with _Rendered(app) as rendered:
        pages = [first.get(path).text, first.get(path).text, second.get(path).text]
    assert rendered.count("tickets/show.html") == 1  # rendered once, then handed out
    keys = [SEND_KEY.search(page).group(1) for page in pages]
    assert len(set(keys)) == 3 and "goes-here" not in "".join(pages)
    tokens = [set(TOKEN.findall(page)) for page in pages]
    assert len(tokens[0]) == 1 and tokens[0] == tokens[1] and tokens[0] != tokens[2]
    # The token and key handed out with the kept page are good: the note is written once.
    form = {"csrf_token": tokens[2].pop(), "mode": "note", "body": "From the kept page",
            "send_key": keys[2]}
    assert second.client.post(f"{path}/messages", data=form).status_code in (200, 302)
    assert second.client.post(f"{path}/messages", data=form).status_code in (200, 302)
    assert first.get(path).text.count("From the kept page") == 1


def test_a_flash_message_shows_on_a_kept_page_once(as_agent, frozen):
    ticket = make_ticket(subject="Flash me")
    path = f"/tickets/{ticket.id}"
    as_agent.get(path)
    answer = as_agent.client.post(f"{path}/inbox", data={"inbox_id": "999999",
                                                         "csrf_token": TOKEN.search(as_agent.get(path).text).group(1)})
    assert answer.status_code == 302
    flashed = as_agent.get(path).text
    assert 'class="flashes"' in flashed
    assert 'class="flashes"' not in as_agent.get(path).text


def test_a_visitor_coming_online_shows_on_a_kept_chat_page(as_agent, frozen):
    ticket = make_ticket(channel="chat", subject="Widget chat")
    db.session.add(Visitor(key="v-kept-page", customer_id=ticket.customer_id, ticket_id=ticket.id,
                           last_seen_at=frozen.start - timedelta(hours=2)))
    db.session.commit()
    path = f"/tickets/{ticket.id}"
    assert "chip-online" not in as_agent.get(path).text
    visitor = db.session.query(Visitor).filter_by(key="v-kept-page").one()
    visitor.connections = 1  # a socket opened: no change stamp moves
    db.session.commit()
    assert "chip-online" in as_agent.get(path).text


def test_a_new_notification_shows_in_the_badge_of_kept_pages(as_agent, agent, frozen):
    ticket = make_ticket(subject="Badge")
    paths = ("/inbox/open", f"/tickets/{ticket.id}")
    for path in paths:
        assert "badge-count" not in as_agent.get(path).text
    db.session.add(Notification(user_id=agent.id, ticket_id=ticket.id, kind="snooze", text="Snooze ended"))
    db.session.commit()
    for path in paths:
        assert '<span class="count badge-count">1</span>' in as_agent.get(path).text


def test_a_snooze_ending_within_the_minute_shows_on_the_kept_ticket_page(as_agent, agent, frozen):
    ticket = make_ticket(subject="Wake me")
    status.change_status(ticket.id, "snoozed", agent.id, until=frozen.start + timedelta(seconds=30))
    path = f"/tickets/{ticket.id}"
    frozen(frozen.start + timedelta(seconds=10))
    before = as_agent.get(path).text
    frozen(frozen.start + timedelta(seconds=40))  # the same minute; no write
    after = as_agent.get(path).text
    assert before != after


def test_the_inbox_page_is_kept_per_view_and_filter(as_agent, app, frozen):
    make_ticket(subject="Email one", channel="email")
    make_ticket(subject="Chat one", channel="chat")
    with _Rendered(app) as rendered:
        plain = [as_agent.get("/inbox/open").text for _ in range(2)]
        chats = as_agent.get("/inbox/open?channel=chat").text
    assert rendered.count("inbox/index.html") == 2
    assert plain[0] == plain[1] and "Email one" in plain[1]
    assert "Chat one" in chats and "Email one" not in chats



def test_a_kept_ticket_page_loads_no_ticket_object_and_a_hidden_ticket_is_still_a_404(client, app, frozen):
    """A kept page reads the ticket's head (one row, status.get_head), not the ticket with its
    customer and assignee; the head is narrowed by the teammate's inboxes all the same."""
    from sqlalchemy import event

    from halo.models import Ticket
    from halo.services.access import inboxes, teams
    from tests.factories import make_user
    admin, sara = make_user(email="boss@example.com", role="admin"), make_user(email="sara@example.com")
    a = inboxes.save_inbox(admin.id, None, name="Billing", addresses="billing@halo.test")
    b = inboxes.save_inbox(admin.id, None, name="Security", addresses="security@halo.test")
    teams.save_team(admin.id, None, name="Team A", member_ids=[sara.id], inbox_ids=[a.id])
    teams.save_team(admin.id, None, name="Team B", member_ids=[], inbox_ids=[b.id])
    world = {"admin": admin, "ta": make_ticket(subject="Invoice twice charged", inbox_id=a.id).id,
             "tb": make_ticket(subject="Zebrafish breach", inbox_id=b.id).id}
    browser = Browser(client)
    browser.login(sara.email)
    path = f"/tickets/{world['ta']}"
    assert "Invoice twice charged" in browser.get(path).text
    hidden = browser.get(f"/tickets/{world['tb']}")  # team B's: out of Sara's sight
    assert hidden.status_code == 404 and "Zebrafish" not in hidden.text
    loaded = []

    def note(target, _context):
        loaded.append(target.id)
    event.listen(Ticket, "load", note)
    try:
        assert "Invoice twice charged" in browser.get(path).text
        assert loaded == []  # handed out whole, off the head
        status.change_status(world["ta"], "priority", world["admin"].id)  # the page moves on
        assert browser.get(path).status_code == 200 and world["ta"] in loaded
    finally:
        event.remove(Ticket, "load", note)
