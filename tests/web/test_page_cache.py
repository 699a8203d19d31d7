"""Pages keep rendered inbox rows and threads until what they show changes (services/stamps.py).

Each test renders a page, changes something behind it, and renders it again in the same
minute of a frozen clock: the second page must show the change.
"""
import re
from datetime import timedelta

from sqlalchemy import update

from halo import clock
from halo.extensions import db
from halo.models import Customer, Mention, Message, Ticket
from halo.services.tickets import status
from tests.conftest import Browser
from tests.factories import make_ticket, make_user

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_inbox_rows_show_a_renamed_customer_and_a_new_status(as_agent, frozen):
    ticket = make_ticket(subject="Parcel lost")
    assert "Customer" in as_agent.get("/inbox/open").text
    ticket.customer.name = "Zelda Quist"
    db.session.commit()
    assert "Zelda Quist" in as_agent.get("/inbox/open").text
    status.change_status(ticket.id, "resolved", None)
    assert "Parcel lost" not in as_agent.get("/inbox/open").text
    assert "Parcel lost" in as_agent.get("/inbox/resolved").text


def test_a_snooze_ending_within_the_minute_brings_the_ticket_back(as_agent, frozen):
    ticket = make_ticket(subject="Call me back")
    status.change_status(ticket.id, "snoozed", None, until=frozen.start + timedelta(seconds=30))
    frozen(frozen.start + timedelta(seconds=10))
    assert "Call me back" not in as_agent.get("/inbox/open").text
    frozen(frozen.start + timedelta(seconds=40))  # same minute; no write, the clock woke it
    assert "Call me back" in as_agent.get("/inbox/open").text


def test_a_write_that_skips_the_stamps_shows_when_the_minute_turns(as_agent, frozen):
    ticket = make_ticket(subject="Old subject")
    as_agent.get("/inbox/open")
    db.session.execute(update(Ticket).where(Ticket.id == ticket.id).values(subject="New subject"))
    db.session.commit()
    assert "Old subject" in as_agent.get("/inbox/open").text  # kept: nothing said it changed
    frozen(frozen.start + timedelta(seconds=60))
    assert "New subject" in as_agent.get("/inbox/open").text


def test_each_agent_has_their_own_rows(client, app, frozen):
    ada, bob = make_user(name="Ada Aa"), make_user(name="Bob Bb")
    mine = make_ticket(subject="Ada's ticket", assignee_id=ada.id)
    make_ticket(subject="Bob's ticket", assignee_id=bob.id)
    first = Browser(client)
    first.login(ada.email)
    assert "Ada&#39;s ticket" in first.get("/inbox/mine").text
    other = Browser(app.test_client())
    other.login(bob.email)
    page = other.get("/inbox/mine").text
    assert "Bob&#39;s ticket" in page and "Ada&#39;s ticket" not in page
    assert mine.id


def test_reading_a_mention_drops_it_from_the_mentions_view(as_agent, agent, frozen):
    ticket = make_ticket(subject="Look at this")
    note = Message(ticket_id=ticket.id, kind="note", body_text=f"@{agent.handle} please")
    db.session.add(note)
    db.session.flush()
    db.session.add(Mention(user_id=agent.id, ticket_id=ticket.id, message_id=note.id))
    db.session.commit()
    assert "Look at this" in as_agent.get("/inbox/mentions").text
    as_agent.get(f"/tickets/{ticket.id}")  # marks it read with an UPDATE statement
    assert "Look at this" not in as_agent.get("/inbox/mentions").text


def test_a_deactivated_teammate_leaves_the_pickers_at_once(as_admin, frozen):
    gone = make_user(name="Gone Soon")
    ticket = make_ticket()
    assert "Gone Soon" in as_admin.get("/inbox/open").text
    assert "Gone Soon" in as_admin.get(f"/tickets/{ticket.id}").text
    gone.active = False
    db.session.commit()
    assert "Gone Soon" not in as_admin.get("/inbox/open").text
    assert "Gone Soon" not in as_admin.get(f"/tickets/{ticket.id}").text


def test_the_thread_shows_new_lines_and_changed_delivery(as_agent, agent, frozen):
    ticket = make_ticket(body="First question")
    assert "First question" in as_agent.get(f"/tickets/{ticket.id}").text
    as_agent.post(f"/tickets/{ticket.id}/messages", data={"mode": "note", "body": "Checking stock"})
    page = as_agent.get(f"/tickets/{ticket.id}").text
    assert "Checking stock" in page
    # Written directly, not posted: a posted email reply is sent by the queue's thread, which
    # would race this test for the delivery state.
    reply = Message(ticket_id=ticket.id, kind="agent", channel="email", body_text="On its way",
                    author_id=agent.id, delivery="queued")
    db.session.add(reply)
    db.session.commit()
    assert "delivery-queued" in as_agent.get(f"/tickets/{ticket.id}").text
    reply.delivery = "failed"
    reply.delivery_error = "550 mailbox unavailable"
    db.session.commit()
    assert "550 mailbox unavailable" in as_agent.get(f"/tickets/{ticket.id}").text


def test_a_renamed_customer_shows_in_the_kept_thread(as_agent, frozen):
    ticket = make_ticket()
    as_agent.get(f"/tickets/{ticket.id}")
    db.session.get(Customer, ticket.customer_id).name = "Quentin Renamed"
    db.session.commit()
    thread = as_agent.get(f"/tickets/{ticket.id}").text.split('id="thread"')[1]
    assert "Quentin Renamed" in thread.split("</ol>")[0]


def test_a_kept_thread_carries_each_sessions_own_csrf_token(client, app, agent, frozen):
    ticket = make_ticket(body="Please split me")
    db.session.add(Message(ticket_id=ticket.id, kind="customer", channel="email",
                           body_text="A second matter", created_at=clock.now()))
    db.session.commit()
    second = db.session.query(Message).filter_by(body_text="A second matter").one()
    sessions = []
    for c in (client, app.test_client()):
        browser = Browser(c)
        browser.login(agent.email)
        page = browser.get(f"/tickets/{ticket.id}").text
        split_form = page[page.index(f"/messages/{second.id}/split"):]
        sessions.append((browser, TOKEN.search(split_form).group(1)))
    assert "halo-csrf" not in page
    # Each session's copy of the kept thread has a token its own session accepts.
    browser, token = sessions[1]
    response = browser.post(f"/messages/{second.id}/split", data={"csrf_token": token}, csrf=False)
    assert response.status_code in (302, 303)


def test_the_ticket_page_shows_a_new_sla_policy_and_a_recoloured_tag_at_once(as_agent, frozen, agent):
    from halo.services.service_levels import policies
    from halo.services.tickets import tag_catalog, tags
    admin = make_user(email="boss@example.com", name="Boss", role="admin")
    ticket = make_ticket(subject="Where is it")
    tags.change_tag(ticket.id, "refund", agent.id, add=True)
    page = as_agent.get(f"/tickets/{ticket.id}").text
    assert "First response due" not in page and "tag-grey" in page
    policies.save_policy(None, {"name": "Standard", "first_response": "1 h", "active": "on"})
    refund = db.session.scalar(db.select(tags.Tag).where(tags.Tag.name_key == "refund"))
    tag_catalog.update_tag(refund.id, admin.id, colour="red")
    page = as_agent.get(f"/tickets/{ticket.id}").text
    assert "First response due in 1 h" in page and "tag-red" in page


def _nav_count(page: str, view: str) -> str:
    """The count the sidebar shows beside a view."""
    found = re.search(rf'data-view="{view}">\s*<span>[^<]*</span><span class="count">(\d+)</span>', page)
    return found.group(1)


def test_the_sidebar_counts_are_each_teammates_own_and_move_with_a_write(client, app, frozen):
    """The counts and the view list are kept (services/inbox/sidebar.py, web.counts_nav):
    "Mine" is each teammate's own, the active view is the page's, and a write shows at once."""
    ada, bob = make_user(name="Ada Aa"), make_user(name="Bob Bb")
    ticket = make_ticket(subject="Ada's ticket", assignee_id=ada.id)
    first = Browser(client)
    first.login(ada.email)
    page = first.get("/inbox/open").text
    assert (_nav_count(page, "mine"), _nav_count(page, "open")) == ("1", "1")
    assert 'nav-link active" href="/inbox/open"' in page
    other = Browser(app.test_client())
    other.login(bob.email)
    page = other.get("/inbox/mine").text
    assert (_nav_count(page, "mine"), _nav_count(page, "open")) == ("0", "1")
    assert 'nav-link active" href="/inbox/mine"' in page
    status.change_status(ticket.id, "resolved", None)
    page = first.get("/inbox/open").text  # the same minute
    assert (_nav_count(page, "mine"), _nav_count(page, "open"), _nav_count(page, "resolved")) == ("0", "0", "1")


def test_the_kept_halopilot_panel_shows_new_turns_and_each_sessions_token(client, app, agent, frozen):
    """The panel is kept per ticket (tickets/views._halopilot_html); the log inside it and
    the CSRF token in its forms are each page's own."""
    from halo.models.ai import PilotMessage
    ticket = make_ticket(subject="Ask the pilot")
    tokens = []
    for c in (client, app.test_client()):
        browser = Browser(c)
        browser.login(agent.email)
        page = browser.get(f"/tickets/{ticket.id}").text
        panel = page[page.index('id="halopilot"'):]
        assert "halo-pilot-log" not in panel and "halo-csrf" not in panel
        tokens.append((browser, TOKEN.search(panel).group(1)))
    assert tokens[0][1] != tokens[1][1]
    db.session.add(PilotMessage(ticket_id=ticket.id, role="assistant", body="Kumquat answer", state="done"))
    db.session.commit()
    browser, token = tokens[1]
    page = browser.get(f"/tickets/{ticket.id}").text
    assert "Kumquat answer" in page[page.index('id="pilot-log"'):page.index('class="pilot-actions"')]
    response = browser.post(f"/tickets/{ticket.id}/pilot", data={"csrf_token": token, "question": "Why?"},
                            csrf=False)
    assert response.status_code != 400  # the token in the kept panel is this session's


def test_the_kept_header_controls_follow_the_ticket_the_clock_and_the_viewer(client, app, frozen):
    """The status and assignee controls are kept (tickets/views._kept_control): a snooze
    shows, then ends by the clock within the minute; "(me)" marks each viewer's own name."""
    ada, bob = make_user(name="Ada Aa"), make_user(name="Bob Bb")
    ticket = make_ticket(subject="Controls")
    first = Browser(client)
    first.login(ada.email)
    other = Browser(app.test_client())
    other.login(bob.email)
    assert "Ada Aa (me)" in first.get(f"/tickets/{ticket.id}").text
    page = other.get(f"/tickets/{ticket.id}").text
    assert "Bob Bb (me)" in page and "Ada Aa (me)" not in page
    status.change_status(ticket.id, "snoozed", ada.id, until=frozen.start + timedelta(seconds=30))
    page = first.get(f"/tickets/{ticket.id}").text
    control = page[page.index(f'id="ticket-{ticket.id}-status"'):page.index(f'id="ticket-{ticket.id}-assignee"')]
    assert "Snoozed until" in control and "Snooze ended" not in control
    frozen(frozen.start + timedelta(seconds=40))  # same minute, no write
    page = first.get(f"/tickets/{ticket.id}").text
    control = page[page.index(f'id="ticket-{ticket.id}-status"'):page.index(f'id="ticket-{ticket.id}-assignee"')]
    assert "Snooze ended" in control
