"""The chat visitor in the ticket's profile: an unverified email shown as a claim, and the
block button (login, CSRF, htmx fragment or redirect)."""
from halo.extensions import db
from halo.models import Message, Visitor
from halo.services import chat
from tests.factories import make_ticket


def _chat():
    visitor, token = chat.open_visitor(None)
    visitor.ticket_id = make_ticket(customer=visitor.customer, channel="chat").id
    db.session.commit()
    return visitor, token


def _blocked(visitor_id):
    db.session.expire_all()
    return db.session.get(Visitor, visitor_id).blocked_at is not None


def test_an_unverified_email_shows_as_a_claim_on_the_ticket(as_agent):
    visitor, _ = _chat()
    chat.identify_visitor(visitor.id, "boss@example.com", name="Mallory")
    page = as_agent.get(f"/tickets/{visitor.ticket_id}").get_data(as_text=True)
    assert '<span class="claimed-email">boss@example.com</span>' in page
    assert "chip-unverified" in page and "mailto:boss@example.com" not in page
    assert "not identified by the site" in page


def test_an_agent_blocks_and_unblocks_the_visitor_from_the_ticket(as_agent, agent):
    visitor, token = _chat()
    page = as_agent.get(f"/tickets/{visitor.ticket_id}").get_data(as_text=True)
    assert f'action="/tickets/{visitor.ticket_id}/visitor/block"' in page
    response = as_agent.post(f"/tickets/{visitor.ticket_id}/visitor/block")
    assert response.status_code == 302 and response.location.endswith(f"/tickets/{visitor.ticket_id}")
    assert _blocked(visitor.id)
    page = as_agent.get(f"/tickets/{visitor.ticket_id}").get_data(as_text=True)
    assert "chip-blocked" in page and "Unblock visitor" in page
    assert f"{agent.name}</strong> blocked the chat visitor" in page
    fragment = as_agent.post(f"/tickets/{visitor.ticket_id}/visitor/unblock", hx=True)
    assert fragment.status_code == 200
    html = fragment.get_data(as_text=True)
    assert html.lstrip().startswith(f'<section class="visitor-panel" id="ticket-{visitor.ticket_id}-visitor"')
    assert "Block visitor" in html and not _blocked(visitor.id)
    assert chat.open_session(token).visitor_id == visitor.id


def test_blocking_needs_a_session_a_csrf_token_and_a_real_chat(client, as_agent):
    visitor, _ = _chat()
    url = f"/tickets/{visitor.ticket_id}/visitor/block"
    assert as_agent.post(url, csrf=False).status_code == 400
    assert as_agent.post(f"/tickets/{visitor.ticket_id + 99}/visitor/block").status_code == 404
    email_ticket = make_ticket()
    assert as_agent.post(f"/tickets/{email_ticket.id}/visitor/block").status_code == 400
    refused = as_agent.post(f"/tickets/{email_ticket.id}/visitor/block", hx=True)
    assert refused.status_code == 400 and "no chat visitor" in refused.get_data(as_text=True)
    assert not _blocked(visitor.id)
    assert db.session.scalar(db.select(db.func.count(Message.id)).where(Message.event_type == "visitor")) == 0
    as_agent.post("/logout")
    anonymous = client.post(url)
    assert anonymous.status_code in (302, 400) and not _blocked(visitor.id)


def test_an_agent_of_another_team_cannot_block_through_the_route(client, admin):
    from halo.services.access import inboxes, teams
    from tests.conftest import Browser
    from tests.factories import make_user
    sara, bo = make_user(email="sara@team-a.test"), make_user(email="bo@team-b.test")
    chats = inboxes.save_inbox(admin.id, None, name="Chat")
    other = inboxes.save_inbox(admin.id, None, name="Security", addresses="security@halo.test")
    teams.save_team(admin.id, None, name="Team A", member_ids=[sara.id], inbox_ids=[chats.id])
    teams.save_team(admin.id, None, name="Team B", member_ids=[bo.id], inbox_ids=[other.id])
    visitor, _ = chat.open_visitor(None)
    visitor.ticket_id = make_ticket(customer=visitor.customer, channel="chat", inbox_id=chats.id).id
    db.session.commit()
    as_bo = Browser(client)
    as_bo.login(bo.email)
    assert as_bo.post(f"/tickets/{visitor.ticket_id}/visitor/block").status_code == 404
    assert as_bo.post(f"/tickets/{visitor.ticket_id}/visitor/block", hx=True).status_code == 404
    assert not _blocked(visitor.id)
