"""Saved replies: fields filled in safely, unique titles."""
import pytest

from halo.services.errors import ValidationError
from halo.services.knowledge import saved_replies
from tests.factories import make_customer, make_ticket


def test_fields_are_filled_from_customer_agent_ticket_and_traits(agent):
    customer = make_customer(name="Maya Costa", traits={"plan": "pro"})
    ticket = make_ticket(customer, subject="Refund")
    saved_replies.save_reply("Refund", "Hi {customer.first_name}, {agent.name} here about #{ticket.id} "
                             "({ticket.subject}) on your {customer.traits.plan} plan.", agent.id)
    [item] = saved_replies.filled_for(ticket.id, agent.id)
    assert item["text"] == f"Hi Maya, Sara Lind here about #{ticket.id} (Refund) on your pro plan."


def test_unknown_fields_and_python_attributes_stay_as_written(agent):
    ticket = make_ticket(make_customer(name=""))
    body = "Hi {customer.first_name} {ticket.__class__} {customer.nickname} {0} {{x}}"
    assert saved_replies.fill(body, ticket, agent) == \
        "Hi there {ticket.__class__} {customer.nickname} {0} {{x}}"


def test_titles_are_unique_and_required(agent):
    saved_replies.save_reply("Thanks", "Thanks!", agent.id)
    with pytest.raises(ValidationError):
        saved_replies.save_reply("thanks", "Again", agent.id)
    with pytest.raises(ValidationError):
        saved_replies.save_reply("", "x", agent.id)
