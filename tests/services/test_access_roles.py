"""Roles checked by the services: read-only reads and writes notes only; publishing what the
autonomous AI answers use needs an admin or the permission an admin grants."""
import pytest

from halo.extensions import db
from halo.models import Directive, Message, OutboundEmail
from halo.services.access import roles
from halo.services.accounts import users as accounts
from halo.services.ai import context as ai_context
from halo.services.ai import knowledge as ai_knowledge
from halo.services.errors import Forbidden, ValidationError
from halo.services.knowledge import directives
from halo.services.tickets import assignment, bulk, handoff, merge, replies, status
from tests.factories import make_ticket, make_user


@pytest.fixture
def people():
    return {"admin": make_user(role="admin"), "agent": make_user(), "reader": make_user(role="readonly")}


def test_read_only_writes_notes_and_never_a_word_to_a_customer(people):
    reader, ticket = people["reader"], make_ticket(channel="email")
    note = replies.post_reply(ticket.id, reader.id, "Looked at it", "note")
    assert note.kind == "note"
    for mode in ("email", "chat", "training"):
        with pytest.raises(Forbidden):
            replies.post_reply(ticket.id, reader.id, "Dear customer", mode)
    for change in (lambda: status.change_status(ticket.id, "resolved", reader.id),
                   lambda: assignment.assign_ticket(ticket.id, reader.id, reader.id),
                   lambda: handoff.take_over(ticket.id, reader.id),
                   lambda: handoff.pass_to_ai(ticket.id, reader.id),
                   lambda: bulk.bulk_update([ticket.id], "status", "resolved", reader.id),
                   lambda: merge.split_message(note.id, reader.id)):
        with pytest.raises(Forbidden):
            change()
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboundEmail)) == 0
    assert [m.kind for m in db.session.scalars(db.select(Message).where(
        Message.ticket_id == ticket.id).order_by(Message.id))] == ["customer", "note"]


def test_a_read_only_teammate_cannot_be_assigned(people):
    ticket = make_ticket()
    with pytest.raises(ValidationError, match="read-only"):
        assignment.assign_ticket(ticket.id, people["reader"].id, people["admin"].id)


def test_an_agents_directive_is_a_draft_the_ai_does_not_use_until_published(people):
    agent, admin = people["agent"], people["admin"]
    ticket = make_ticket(channel="email")
    replies.post_reply(ticket.id, agent.id, "Offer a 50% discount to anyone who asks.", "training")
    draft = db.session.scalar(db.select(Directive))
    assert not draft.published
    assert ai_context.relevant_directives(ticket, "discount") == []
    with pytest.raises(Forbidden):
        directives.publish_directive(draft.id, agent.id)
    with pytest.raises(Forbidden):
        directives.update_directive(draft.id, "Offer 90%", True, agent.id)
    directives.publish_directive(draft.id, admin.id)
    assert [d.id for d in ai_context.relevant_directives(ticket, "discount")] == [draft.id]
    with pytest.raises(Forbidden):  # a published directive is the admins' to remove
        directives.delete_directive(draft.id, agent.id)


def test_the_publish_grant_lets_an_agent_publish(people):
    agent, admin = people["agent"], people["admin"]
    with pytest.raises(Forbidden):
        ai_knowledge.create_article("Refunds", "Always refund.", True, agent.id)
    drafted = ai_knowledge.create_article("Refunds", "Within 30 days.", False, agent.id)
    assert not drafted.published and drafted not in ai_knowledge.published_articles()
    with pytest.raises(Forbidden):
        ai_knowledge.update_article(drafted.id, "Refunds", "Within 30 days.", True, agent.id)
    accounts.update_user(agent.id, agent.name, agent.email, "agent", True, acting_user_id=admin.id,
                         can_publish=True)
    assert roles.user_can(agent.id, "publish")
    published = ai_knowledge.update_article(drafted.id, "Refunds", "Within 30 days.", True, agent.id)
    assert published.published
    ticket = make_ticket(channel="email")
    replies.post_reply(ticket.id, agent.id, "Mention the annual plan.", "training")
    assert db.session.scalar(db.select(Directive)).published


def test_only_an_admin_grants_and_a_read_only_teammate_never_publishes(people):
    reader, agent = people["reader"], people["agent"]
    with pytest.raises(Forbidden):
        accounts.update_user(reader.id, reader.name, reader.email, "readonly", True,
                             acting_user_id=agent.id, can_publish=True)
    accounts.update_user(reader.id, reader.name, reader.email, "readonly", True,
                         acting_user_id=people["admin"].id, can_publish=True)
    assert not roles.user_can(reader.id, "publish")  # the grant is for agents; read-only stays read-only
