"""Merging two customers moves their tickets, visitors, addresses and notes; Undo moves
back exactly what moved and brings the source back."""
from datetime import timedelta

import pytest

from halo.extensions import db
from halo.models import (
    Customer,
    CustomerAddress,
    CustomerMerge,
    CustomerNote,
    Ticket,
    Visitor,
)
from halo.services.customers import merge, notes, profiles
from halo.services.email.threads import find_or_create_customer
from halo.services.errors import Forbidden, ValidationError
from tests.factories import make_customer, make_ticket, make_user


@pytest.fixture
def pair(frozen):
    agent = make_user(name="Sara")
    target = make_customer(name="Maya Costa", email="maya@work.test", language=None,
                           traits={"plan": "pro"})
    source = make_customer(name="", email="maya.c@gmail.com", language="pt",
                           traits={"plan": "free", "city": "Porto"})
    mine = make_ticket(target, subject="Target's own")
    moved = [make_ticket(source, subject=f"Source {n}", now=frozen.start - timedelta(hours=n)) for n in (1, 2)]
    visitor = Visitor(key="v-key-1", customer_id=source.id)
    db.session.add(visitor)
    db.session.commit()
    note = notes.add_note(agent.id, source.id, "Asked twice about refunds.")
    return {"agent": agent, "target": target.id, "source": source.id, "mine": mine.id,
            "moved": [t.id for t in moved], "visitor": visitor.id, "note": note.id}


def test_merge_moves_everything_and_records_it(pair):
    record = merge.merge_customers(pair["target"], pair["source"], pair["agent"].id)
    db.session.expire_all()
    target = db.session.get(Customer, pair["target"])
    assert db.session.get(Customer, pair["source"]) is None
    assert {t.id for t in db.session.scalars(db.select(Ticket).where(Ticket.customer_id == target.id))} == {
        pair["mine"], *pair["moved"]}
    assert db.session.get(Visitor, pair["visitor"]).customer_id == target.id
    assert db.session.get(CustomerNote, pair["note"]).customer_id == target.id
    assert target.traits == {"plan": "pro", "city": "Porto"}  # the target's own value wins
    assert (target.email, target.language) == ("maya@work.test", "pt")
    # The source's address is now one of the target's: its mail files under the target.
    assert find_or_create_customer("Maya.C@gmail.com", "Maya").id == target.id
    assert record.moved["tickets"] == sorted(pair["moved"]) and record.merged_by_id == pair["agent"].id


def test_undo_restores_the_source_and_moves_back_exactly_what_moved(pair, frozen):
    record = merge.merge_customers(pair["target"], pair["source"], pair["agent"].id)
    later = make_ticket(db.session.get(Customer, pair["target"]), subject="Arrived after the merge")
    profiles.update_customer(db.session.get(Customer, pair["target"]), traits={"seats": 12})
    restored = merge.undo_merge(record.id, pair["agent"].id)
    db.session.expire_all()
    assert restored.id == pair["source"]
    source, target = db.session.get(Customer, pair["source"]), db.session.get(Customer, pair["target"])
    assert (source.name, source.email, source.language, source.traits) == (
        "", "maya.c@gmail.com", "pt", {"plan": "free", "city": "Porto"})
    owners = dict(db.session.execute(db.select(Ticket.id, Ticket.customer_id)).all())
    assert owners == {pair["mine"]: target.id, later.id: target.id,
                      pair["moved"][0]: source.id, pair["moved"][1]: source.id}
    assert db.session.get(Visitor, pair["visitor"]).customer_id == source.id
    assert db.session.get(CustomerNote, pair["note"]).customer_id == source.id
    # The target gives back what the merge filled in, and keeps what changed since.
    assert (target.traits, target.language) == ({"plan": "pro", "seats": 12}, None)
    assert db.session.scalar(db.select(db.func.count()).select_from(CustomerAddress)) == 0
    assert db.session.get(CustomerMerge, record.id).undone_at == frozen.start
    with pytest.raises(ValidationError, match="already undone"):
        merge.undo_merge(record.id, pair["agent"].id)


def test_a_target_without_email_takes_the_sources_and_gives_it_back(frozen):
    target = make_customer(name="Chat visitor", email=None, traits={})
    source = make_customer(name="Maya", email="maya@work.test", traits={})
    record = merge.merge_customers(target.id, source.id)
    assert db.session.get(Customer, target.id).email == "maya@work.test"
    merge.undo_merge(record.id)
    db.session.expire_all()
    assert db.session.get(Customer, target.id).email is None
    assert db.session.get(Customer, source.id).email == "maya@work.test"


def test_undo_refuses_when_the_address_went_to_someone_else(pair):
    record = merge.merge_customers(pair["target"], pair["source"])
    db.session.delete(db.session.scalar(db.select(CustomerAddress)))
    db.session.commit()
    other = make_customer(name="Impostor", email="maya.c@gmail.com")
    with pytest.raises(merge.Conflict):
        merge.undo_merge(record.id)
    db.session.expire_all()
    assert db.session.get(CustomerMerge, record.id).undone_at is None
    assert db.session.get(Customer, other.id).email == "maya.c@gmail.com"


def test_undo_refuses_once_the_target_is_gone(pair):
    record = merge.merge_customers(pair["target"], pair["source"])
    third = make_customer(name="Third", email="third@work.test")
    merge.merge_customers(third.id, pair["target"])
    with pytest.raises(ValidationError, match="can no longer be undone"):
        merge.undo_merge(record.id)


def test_merge_rules(pair):
    reader = make_user(role="readonly")
    with pytest.raises(Forbidden):
        merge.merge_customers(pair["target"], pair["source"], reader.id)
    with pytest.raises(ValidationError):
        merge.merge_customers(pair["target"], pair["target"], pair["agent"].id)
    record = merge.merge_customers(pair["target"], pair["source"], pair["agent"].id)
    with pytest.raises(Forbidden):
        merge.undo_merge(record.id, reader.id)
    assert db.session.get(CustomerMerge, record.id).undone_at is None


def test_the_profile_merge_used_by_the_api_is_the_recorded_one(pair):
    target = profiles.merge_customers(db.session.get(Customer, pair["target"]),
                                      db.session.get(Customer, pair["source"]))
    assert target.id == pair["target"]
    assert db.session.scalar(db.select(CustomerMerge.source_id)) == pair["source"]
