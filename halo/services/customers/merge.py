"""Merging two customers (one person with two profiles), and undoing it.

A merge folds the source into the target: the source's tickets, chat visitors, API
contacts, other addresses and notes move over, its email becomes one of the target's
addresses (or the target's email when it has none), its traits fill the target's missing
ones, and the source row is deleted. A CustomerMerge row records the source as it was,
what the target had before, and the id of every row that moved, so Undo can bring the
source back and move back exactly those rows (new tickets the target got since stay).
"""
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select, update

from halo import clock
from halo.extensions import db
from halo.models import (
    ApiContact,
    Customer,
    CustomerAddress,
    CustomerMerge,
    CustomerNote,
    Ticket,
    Visitor,
)
from halo.services.access import roles
from halo.services.customers.listing import get_customer
from halo.services.errors import NotFound, ValidationError
from halo.services.inbox import stamps

# (key in CustomerMerge.moved, model): rows with a customer_id that follow the customer.
MOVABLE = (("tickets", Ticket), ("visitors", Visitor), ("contacts", ApiContact),
           ("addresses", CustomerAddress), ("notes", CustomerNote))
CHUNK = 500


class Conflict(ValidationError):
    status_code = 409


def _snapshot(customer: Customer) -> dict:
    return {"id": customer.id, "name": customer.name, "email": customer.email,
            "claimed_email": customer.claimed_email, "language": customer.language,
            "traits": dict(customer.traits or {}), "created_at": customer.created_at.isoformat()}


def _ids(model, customer_id: int) -> list[int]:
    return list(db.session.scalars(select(model.id).where(model.customer_id == customer_id)
                                   .order_by(model.id).execution_options(halo_unscoped=True)))


def _move(model, ids: list[int], from_id: int, to_id: int) -> int:
    """Move the rows ids that still belong to from_id over to to_id; returns how many moved."""
    values = {"customer_id": to_id}
    if model is Ticket:  # its page shows the customer: the thread's cached pieces move on
        values["thread_rev"] = Ticket.thread_rev + 1
    moved = 0
    for start in range(0, len(ids), CHUNK):
        result = db.session.execute(update(model).where(model.id.in_(ids[start:start + CHUNK]),
                                                        model.customer_id == from_id)
                                    .values(**values).execution_options(synchronize_session=False))
        moved += result.rowcount
    return moved


def merge_customers(target_id: int, source_id: int, actor_id: int | None = None,
                    now: datetime | None = None) -> CustomerMerge:
    """Fold source into target (both must be customers the actor sees); returns the record Undo uses."""
    roles.require(actor_id, "work")
    if target_id == source_id:
        raise ValidationError(gettext("A customer cannot be merged into itself."))
    target, source = _reach(actor_id, target_id), _reach(actor_id, source_id)
    moved = {key: _ids(model, source.id) for key, model in MOVABLE}
    record = CustomerMerge(target_id=target.id, source_id=source.id, source=_snapshot(source),
                           target_before=_snapshot(target), moved=moved, merged_by_id=actor_id,
                           merged_at=now or clock.now())
    for key, model in MOVABLE:
        _move(model, moved[key], source.id, target.id)
    stamps.bump(db.session, "inbox")
    target.traits = {**(source.traits or {}), **(target.traits or {})}
    target.name = target.name or source.name
    target.language = target.language or source.language
    email = source.email
    db.session.delete(source)
    db.session.flush()  # the source's email is free before the target takes it
    if email and not target.email:
        target.email = email
    elif email and email != target.email:
        address = CustomerAddress(customer_id=target.id, email=email.lower(), created_at=record.merged_at)
        db.session.add(address)
        db.session.flush()
        record.moved = {**moved, "added_address": address.id}
    db.session.add(record)
    db.session.commit()
    return record


def _reach(actor_id: int | None, customer_id: int) -> Customer:
    if actor_id is None:
        customer = db.session.get(Customer, customer_id)
        if customer is None:
            raise NotFound(gettext("Customer #%(customer_id)s does not exist.", customer_id=customer_id))
        return customer
    return get_customer(actor_id, customer_id)


def undo_merge(merge_id: int, actor_id: int | None = None, now: datetime | None = None) -> Customer:
    """Bring the source back (its id when free) and move back what the merge moved; the
    target gives back only what the merge gave it (its later changes stay)."""
    roles.require(actor_id, "work")
    record = db.session.get(CustomerMerge, merge_id)
    if record is None or (actor_id is not None and record.target_id is not None
                          and not _sees(actor_id, record.target_id)):
        raise NotFound(gettext("That merge does not exist."))
    if record.undone_at is not None:
        raise ValidationError(gettext("That merge was already undone."))
    target = db.session.get(Customer, record.target_id) if record.target_id else None
    if target is None:
        raise ValidationError(gettext("The customer it was merged into is gone (merged again or erased), so this merge can no longer be undone."))
    src, before, moved = record.source, record.target_before, record.moved
    _give_back(target, src, before, moved)
    db.session.flush()
    if src["email"] and db.session.scalar(select(Customer.id).where(Customer.email == src["email"])):
        db.session.rollback()
        raise Conflict(gettext("%(value)s now belongs to another customer; merge that one first.", value=src['email']))
    restored = Customer(name=src["name"], email=src["email"], claimed_email=src["claimed_email"],
                        language=src["language"], traits=src["traits"],
                        created_at=datetime.fromisoformat(src["created_at"]))
    if db.session.get(Customer, src["id"]) is None:
        restored.id = src["id"]
    db.session.add(restored)
    db.session.flush()
    for key, model in MOVABLE:
        _move(model, moved.get(key, []), target.id, restored.id)
    stamps.bump(db.session, "inbox")
    record.undone_at, record.undone_by_id = now or clock.now(), actor_id
    db.session.commit()
    return restored


def _give_back(target: Customer, src: dict, before: dict, moved: dict) -> None:
    """Take back from the target what the merge filled in, where it still holds the merged value."""
    traits = dict(target.traits or {})
    for key, value in (src["traits"] or {}).items():
        if key not in (before["traits"] or {}) and traits.get(key) == value:
            traits.pop(key)
    target.traits = traits
    if not before["name"] and target.name == src["name"]:
        target.name = ""
    if not before["language"] and target.language == src["language"]:
        target.language = None
    if not before["email"] and src["email"] and target.email == src["email"]:
        target.email = None
    added = moved.get("added_address")
    if added is not None:
        address = db.session.get(CustomerAddress, added)
        if address is not None and address.customer_id == target.id:
            db.session.delete(address)
    if not target.name and not target.email:
        target.name = before["name"] or src["name"] or ""


def _sees(actor_id: int, customer_id: int) -> bool:
    try:
        get_customer(actor_id, customer_id)
    except NotFound:
        return False
    return True


def recent_merges(customer_id: int, limit: int = 10) -> list[CustomerMerge]:
    """Merges into this customer, newest first (the page offers Undo for those not undone)."""
    return list(db.session.scalars(select(CustomerMerge).where(CustomerMerge.target_id == customer_id)
                                   .order_by(CustomerMerge.id.desc()).limit(limit)))
