"""Blocking a chat visitor, called directly: who may, what it writes, what it announces."""
import pytest

from halo import realtime
from halo.extensions import db
from halo.models import Message, Visitor
from halo.services import chat
from halo.services.access import inboxes, teams
from halo.services.errors import Forbidden, NotFound, ValidationError
from tests.factories import make_ticket, make_user


def _chatting():
    visitor, token = chat.open_visitor(None)
    visitor.ticket_id = make_ticket(customer=visitor.customer, channel="chat").id
    db.session.commit()
    return visitor, token


def test_blocking_revokes_the_token_writes_a_line_and_closes_the_sockets(frozen):
    agent = make_user(name="Sara Lind")
    visitor, token = _chatting()
    topic = f"visitor:{chat.key_digest(visitor.key)}"
    with realtime.subscribe([topic]) as sub:
        blocked = chat.block_visitor(visitor.ticket_id, agent.id)
        assert [v.id for v in blocked] == [visitor.id]
        assert sub.get(timeout=5) == (topic, {"type": "closed", "reason": "blocked"})
    db.session.expire_all()
    row = db.session.get(Visitor, visitor.id)
    assert (row.blocked_at, row.blocked_by_id) == (frozen.start, agent.id)
    line = db.session.scalar(db.select(Message).where(Message.event_type == "visitor"))
    assert (line.ticket_id, line.author_id, line.event_data["blocked"]) == (visitor.ticket_id, agent.id, True)
    with pytest.raises(chat.Blocked):
        chat.open_session(token)
    with pytest.raises(chat.Blocked):
        chat.receive_visitor_message(visitor.id, "c-1", "let me in")
    assert chat.block_visitor(visitor.ticket_id, agent.id) == []  # already: nothing new written
    assert db.session.scalar(db.select(db.func.count(Message.id)).where(Message.event_type == "visitor")) == 1


def test_unblocking_lets_the_same_token_in_again():
    agent = make_user()
    visitor, token = _chatting()
    chat.block_visitor(visitor.ticket_id, agent.id)
    assert [v.id for v in chat.unblock_visitor(visitor.ticket_id, agent.id)] == [visitor.id]
    assert chat.open_session(token).visitor_id == visitor.id
    texts = db.session.scalars(db.select(Message.event_data).where(Message.event_type == "visitor")
                               .order_by(Message.id)).all()
    assert [t["text"] for t in texts] == ["blocked the chat visitor", "unblocked the chat visitor"]


def test_only_an_active_teammate_blocks_and_only_a_chat_with_a_visitor():
    visitor, token = _chatting()
    gone = make_user(active=False)
    with pytest.raises(Forbidden):
        chat.block_visitor(visitor.ticket_id, gone.id)
    agent = make_user()
    with pytest.raises(NotFound):
        chat.block_visitor(visitor.ticket_id + 999, agent.id)
    with pytest.raises(ValidationError, match="no chat visitor"):
        chat.block_visitor(make_ticket().id, agent.id)
    assert chat.open_session(token).visitor_id == visitor.id
    assert db.session.scalar(db.select(db.func.count(Message.id)).where(Message.event_type == "visitor")) == 0


def test_only_a_teammate_who_sees_the_inbox_and_works_tickets_may_block():
    admin = make_user(role="admin")
    sara, bo = make_user(name="Sara"), make_user(name="Bo")
    reader = make_user(name="Rita", role="readonly")
    chats = inboxes.save_inbox(admin.id, None, name="Chat", addresses="")
    other = inboxes.save_inbox(admin.id, None, name="Security", addresses="security@halo.test")
    teams.save_team(admin.id, None, name="Team A", member_ids=[sara.id, reader.id], inbox_ids=[chats.id])
    teams.save_team(admin.id, None, name="Team B", member_ids=[bo.id], inbox_ids=[other.id])
    visitor, token = chat.open_visitor(None)
    visitor.ticket_id = make_ticket(customer=visitor.customer, channel="chat", inbox_id=chats.id).id
    db.session.commit()
    with pytest.raises(NotFound):  # another team's inbox: as absent as a ticket never made
        chat.block_visitor(visitor.ticket_id, bo.id)
    with pytest.raises(Forbidden, match="read-only"):
        chat.block_visitor(visitor.ticket_id, reader.id)
    assert chat.open_session(token).visitor_id == visitor.id
    assert [v.id for v in chat.block_visitor(visitor.ticket_id, sara.id)] == [visitor.id]
    with pytest.raises(NotFound):
        chat.unblock_visitor(visitor.ticket_id, bo.id)
    assert [v.id for v in chat.unblock_visitor(visitor.ticket_id, admin.id)] == [visitor.id]
