"""Every core route: login required, CSRF enforced, fragments for HTMX, pages otherwise."""
import re
from datetime import timedelta

import pytest

from halo.extensions import db
from halo.models import Directive, Mention, Message, OutboundEmail, Ticket
from tests.factories import make_customer, make_ticket, make_user
from tests.statements import recorded

GET_ROUTES = ["/", "/inbox/open", "/inbox/mentions", "/inbox/counts", "/tickets/{t}",
              "/tickets/{t}/compose/note", "/settings", "/settings/team", "/settings/team/{u}",
              "/settings/inbox-views", "/knowledge", "/knowledge/training", "/knowledge/training/{d}"]
POST_ROUTES = ["/tickets/{t}/status", "/tickets/{t}/assignee", "/tickets/{t}/messages",
               "/settings/team", "/settings/team/{u}", "/settings/inbox-views",
               "/knowledge/training/{d}", "/knowledge/training/{d}/delete", "/logout"]


@pytest.fixture
def world(admin):
    ticket = make_ticket()
    directive = Directive(body="Be kind.", scope={"channel": "email"}, author_id=admin.id)
    db.session.add(directive)
    db.session.commit()
    return {"t": ticket.id, "u": admin.id, "d": directive.id}


@pytest.mark.parametrize("route", GET_ROUTES + POST_ROUTES)
def test_anonymous_is_sent_to_login(client, world, route):
    url = route.format(**world)
    method = client.post if route in POST_ROUTES and route not in GET_ROUTES else client.get
    response = method(url)
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert "/login" in response.location


@pytest.mark.parametrize("route", [r for r in POST_ROUTES if r != "/logout"])
def test_post_without_csrf_changes_nothing(as_admin, world, route):
    before = _snapshot()
    response = as_admin.post(route.format(**world), {"status": "priority", "assignee_id": world["u"],
                                                     "mode": "note", "body": "x", "name": "N",
                                                     "email": "n@example.com", "password": "password123"},
                             csrf=False)
    assert response.status_code == 400
    assert _snapshot() == before


def test_htmx_post_with_header_token_is_accepted(as_admin, world):
    response = as_admin.client.post(f"/tickets/{world['t']}/status", data={"status": "priority"},
                                    headers={"HX-Request": "true", "X-CSRFToken": as_admin.token})
    assert response.status_code == 200
    assert db.session.get(Ticket, world["t"]).status == "priority"


def _snapshot():
    db.session.expire_all()
    return (db.session.scalar(db.select(db.func.count(Message.id))),
            [(t.status, t.assignee_id) for t in db.session.scalars(db.select(Ticket))],
            [(d.body, d.enabled) for d in db.session.scalars(db.select(Directive))])


@pytest.mark.parametrize("route", GET_ROUTES)
def test_every_page_renders_for_admin(as_admin, world, route):
    response = as_admin.get(route.format(**world), follow_redirects=True)
    assert response.status_code == 200


def test_agent_gets_403_on_admin_pages(as_agent, world):
    for url in ["/settings/team", "/settings/inbox-views", f"/knowledge/training/{world['d']}"]:
        assert as_agent.get(url).status_code == 403
    assert as_agent.post("/settings/team", {"name": "X", "email": "x@example.com",
                                            "password": "password123"}).status_code == 403
    assert as_agent.get("/knowledge/training").status_code == 200


def test_unknown_ticket_is_404_page(as_agent):
    response = as_agent.get("/tickets/424242")
    assert response.status_code == 404 and "does not exist" in response.get_data(as_text=True)
    assert as_agent.post("/tickets/424242/status", {"status": "priority"}).status_code == 404
    assert as_agent.get("/inbox/nope").status_code == 404


def test_profile_shows_traits_and_the_language_by_name(as_agent):
    customer = make_customer(language="es", traits={"plan": "enterprise", "company": "Initech"})
    ticket = make_ticket(customer=customer)
    html = as_agent.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    profile = html[html.index('class="profile"'):]
    assert '<span title="es">Spanish</span>' in profile
    assert "<dt>Plan</dt><dd>enterprise</dd>" in profile and "<dd>Initech</dd>" in profile


def test_inbox_full_page_and_htmx_rows(as_agent, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "HALO_PAGE_SIZE", 1)
    for _ in range(2):
        make_ticket()
    page = as_agent.get("/inbox/open")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and 'id="view-counts"' in html
    assert "HX-Request" in page.headers["Vary"]
    cursor = re.search(r'after=([^"&]+)"', html).group(1)
    rows = as_agent.get(f"/inbox/open?after={cursor}", hx=True)
    body = rows.get_data(as_text=True)
    assert "<html" not in body and body.count('class="ticket-row') == 1


def test_status_change_htmx_returns_control_event_and_counts(as_agent, world):
    response = as_agent.post(f"/tickets/{world['t']}/status", {"status": "priority"}, hx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert f'id="ticket-{world["t"]}-status"' in html
    assert 'hx-swap-oob="beforeend:#thread"' in html and "set status to" in html
    assert 'id="view-counts" hx-swap-oob="true"' in html


def test_status_change_without_js_redirects_to_page(as_agent, world):
    response = as_agent.post(f"/tickets/{world['t']}/status", {"status": "resolved"})
    assert response.status_code == 302 and response.location.endswith(f"/tickets/{world['t']}")
    assert db.session.get(Ticket, world["t"]).status == "resolved"


def test_invalid_transition_is_400_next_to_control(as_agent, world):
    as_agent.post(f"/tickets/{world['t']}/status", {"status": "spam"})
    response = as_agent.post(f"/tickets/{world['t']}/status", {"status": "in_progress"}, hx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "field-error" in html and "reopen it first" in html
    assert db.session.get(Ticket, world["t"]).status == "spam"
    plain = as_agent.post(f"/tickets/{world['t']}/status", {"status": "in_progress"})
    assert plain.status_code == 400 and "reopen it first" in plain.get_data(as_text=True)


def test_status_dropdown_offers_what_the_rules_allow(as_agent, world):
    def options():
        html = as_agent.get(f"/tickets/{world['t']}").get_data(as_text=True)
        select = html[html.index('name="status"'):]
        return re.findall(r'<option value="(\w+)"', select[:select.index("</select>")])
    assert options() == ["open", "priority", "in_progress", "resolved", "spam"]
    as_agent.post(f"/tickets/{world['t']}/status", {"status": "resolved"})
    assert options() == ["open", "priority", "in_progress", "resolved", "spam"]
    as_agent.post(f"/tickets/{world['t']}/status", {"status": "spam"})
    assert options() == ["open", "spam"]


def test_snooze_in_the_past_is_400(as_agent, world, frozen):
    past = (frozen.start - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = as_agent.post(f"/tickets/{world['t']}/status", {"status": "snoozed", "until": past}, hx=True)
    assert response.status_code == 400 and "future" in response.get_data(as_text=True)
    bad = as_agent.post(f"/tickets/{world['t']}/status", {"status": "snoozed", "until": "tomorrow"}, hx=True)
    assert bad.status_code == 400
    future = (frozen.start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    ok = as_agent.post(f"/tickets/{world['t']}/status", {"status": "snoozed", "until": future}, hx=True)
    assert ok.status_code == 200 and "Snoozed until" in ok.get_data(as_text=True)


def test_assignee_picker(as_agent, world, agent):
    gone = make_user(name="Gone Person", active=False)
    page = as_agent.get(f"/tickets/{world['t']}").get_data(as_text=True)
    assert "Gone Person" not in page and agent.name in page
    response = as_agent.post(f"/tickets/{world['t']}/assignee", {"assignee_id": agent.id}, hx=True)
    assert response.status_code == 200 and "took this ticket" in response.get_data(as_text=True)
    bad = as_agent.post(f"/tickets/{world['t']}/assignee", {"assignee_id": gone.id}, hx=True)
    assert bad.status_code == 400 and "deactivated" in bad.get_data(as_text=True)
    junk = as_agent.post(f"/tickets/{world['t']}/assignee", {"assignee_id": "abc"}, hx=True)
    assert junk.status_code == 400
    assert db.session.get(Ticket, world["t"]).assignee_id == agent.id


def test_composer_tabs_fragment_and_full_page(as_agent, world):
    for mode, label in [("chat", "Send chat"), ("email", "Send email"), ("note", "Add note"),
                        ("training", "Save directive")]:
        fragment = as_agent.get(f"/tickets/{world['t']}/compose/{mode}", hx=True).get_data(as_text=True)
        assert "<html" not in fragment and label in fragment and 'id="composer"' in fragment
        full = as_agent.get(f"/tickets/{world['t']}?compose={mode}").get_data(as_text=True)
        assert "<html" in full and label in full
    plain = as_agent.get(f"/tickets/{world['t']}/compose/note")
    assert plain.status_code == 302 and "compose=note" in plain.location


def test_posting_a_note_with_mention(as_agent, world, agent):
    ben = make_user(name="Ben Stone")
    response = as_agent.post(f"/tickets/{world['t']}/messages",
                             {"mode": "note", "body": f"@{ben.handle} please look"}, hx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Internal Note" in html and 'id="composer"' in html
    assert db.session.scalar(db.select(Mention.user_id)) == ben.id


def test_a_note_reads_its_author_once(as_agent, world, agent):
    """The sign-in reads the teammate; the note's commit does not make the answer read it again."""
    with recorded() as seen:
        response = as_agent.post(f"/tickets/{world['t']}/messages", {"mode": "note", "body": "Checked."}, hx=True)
    assert response.status_code == 200 and "Checked." in response.get_data(as_text=True)
    by_id = re.compile(r'FROM "?user"? (JOIN login_session ON \S+ = \S+ )?WHERE "?user"?\.id =')
    assert len([s for s in seen if by_id.search(s)]) == 1


def test_a_note_answers_without_the_sidebar_counts(as_agent, world):
    """A note changes nothing in its author's counts: its answer reads the change stamps its
    kept pieces are filed under, not the counters; a reply's answer carries the counts."""
    with recorded() as seen:
        note = as_agent.post(f"/tickets/{world['t']}/messages", {"mode": "note", "body": "Checked."}, hx=True)
        after_note, seen[:] = list(seen), []
        reply = as_agent.post(f"/tickets/{world['t']}/messages", {"mode": "email", "body": "Done."}, hx=True)
    assert note.status_code == 200 and 'id="view-counts"' not in note.get_data(as_text=True)
    assert not [s for s in after_note if "FROM ticket_counter" in s]
    assert len([s for s in after_note if s.startswith("SELECT change_stamp.scope, change_stamp.n")]) == 1
    assert reply.status_code == 200 and 'id="view-counts" hx-swap-oob="true"' in reply.get_data(as_text=True)
    assert [s for s in seen if "FROM ticket_counter" in s]


def test_a_note_reads_its_ticket_once_and_answers_outside_a_transaction(as_agent, world):
    """The ticket read for the write stays loaded through its commit (the answer draws the
    composer from it); on PostgreSQL the answer's reads run in autocommit: no BEGIN before
    them, no ROLLBACK at the request's end."""
    with recorded() as seen:
        note = as_agent.post(f"/tickets/{world['t']}/messages", {"mode": "note", "body": "Seen."}, hx=True)
    assert note.status_code == 200 and "Seen." in note.get_data(as_text=True)
    assert len([s for s in seen if s.startswith("SELECT ticket.id, ticket.subject")]) == 1
    if db.engine.dialect.name == "postgresql":
        answer = seen[seen.index("SELECT change_stamp.scope, change_stamp.n FROM change_stamp"):]
        assert answer and all(s.autocommit for s in answer)


def test_a_composer_tab_reads_its_ticket_once(as_agent, world):
    """The view's 404 check and its context read the same row: held, not read twice."""
    with recorded() as seen:
        fragment = as_agent.get(f"/tickets/{world['t']}/compose/email", hx=True)
    assert fragment.status_code == 200 and "Send email" in fragment.get_data(as_text=True)
    assert len([s for s in seen if s.startswith("SELECT ticket.id, ticket.subject")]) == 1


def test_empty_reply_refused_with_message(as_agent, world):
    response = as_agent.post(f"/tickets/{world['t']}/messages", {"mode": "email", "body": "  "}, hx=True)
    assert response.status_code == 400 and "Write something" in response.get_data(as_text=True)
    plain = as_agent.post(f"/tickets/{world['t']}/messages", {"mode": "email", "body": ""})
    assert plain.status_code == 400 and "Write something" in plain.get_data(as_text=True)


def test_reply_shows_queued_state(as_agent, world):
    as_agent.post(f"/tickets/{world['t']}/messages", {"mode": "email", "body": "We are on it"})
    page = as_agent.get(f"/tickets/{world['t']}").get_data(as_text=True)
    # The send job runs on the queue's thread beside the test: queued, or already sent.
    item = re.search(r'<li class="item item-agent".*?</li>', page, re.S)
    assert item and "We are on it" in item.group(0), page
    assert re.search(r'class="delivery delivery-(queued|sent)"', item.group(0)), item.group(0)


def test_customer_html_in_text_is_escaped(as_agent, admin):
    ticket = make_ticket(body="<script>alert(1)</script>", subject="<img src=x onerror=alert(1)>")
    page = as_agent.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    inbox = as_agent.get("/inbox/open").get_data(as_text=True)
    assert "<img src=x" not in inbox


def test_retrying_reply_shows_why(as_agent, world):
    from halo.models import Message
    as_agent.post(f"/tickets/{world['t']}/messages", {"mode": "chat", "body": "Hello there"})
    message = db.session.scalar(db.select(Message).where(Message.kind == "agent"))
    message.delivery, message.delivery_error = "queued", "Attempt 1 failed (Connection refused); retrying."
    db.session.commit()
    page = as_agent.get(f"/tickets/{world['t']}").get_data(as_text=True)
    assert "delivery-retrying" in page and "Attempt 1 failed (Connection refused)" in page


def test_the_same_composer_form_posted_twice_sends_one_reply(as_agent, world):
    page = as_agent.get(f"/tickets/{world['t']}?compose=email").get_data(as_text=True)
    key = re.search(r'name="send_key" value="([^"]+)"', page).group(1)
    again = as_agent.get(f"/tickets/{world['t']}?compose=email").get_data(as_text=True)
    assert key not in again  # every form has its own
    form = {"mode": "email", "body": "Refund is on its way", "send_key": key}
    first = as_agent.post(f"/tickets/{world['t']}/messages", form)  # no JavaScript: a double click
    second = as_agent.post(f"/tickets/{world['t']}/messages", form)
    assert first.status_code == second.status_code == 302
    assert db.session.scalar(db.select(db.func.count(Message.id)).where(Message.kind == "agent")) == 1
    assert db.session.scalar(db.select(db.func.count(OutboundEmail.id))) == 1
    stale = as_agent.post(f"/tickets/{world['t']}/messages", {**form, "send_key": "k" * 80}, hx=True)
    assert stale.status_code == 400 and "reload the page" in stale.get_data(as_text=True)
