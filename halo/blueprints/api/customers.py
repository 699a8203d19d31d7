"""Customers: list and search, one profile, a new one, changes and traits, merging two."""
from flask import url_for
from pydantic import BaseModel, Field

from halo.blueprints.api import shapes
from halo.blueprints.api.shapes import Cursor, Limit, Time
from halo.blueprints.api.spec import Strict, body, endpoint, params, principal
from halo.models import Customer
from halo.services.customers import profiles
from halo.services.integrations import listing, reach

TraitValue = str | int | float | bool | None


class CustomerOut(BaseModel):
    id: int
    name: str
    email: str | None
    language: str | None
    traits: dict
    created_at: Time


class CustomerPage(BaseModel):
    data: list[CustomerOut]
    next_cursor: str | None


class CustomerListQuery(Strict):
    q: str | None = Field(None, max_length=200, description="part of the name or email")
    email: str | None = Field(None, max_length=254, description="exactly this email, or another address of theirs (one a merge brought)")
    cursor: Cursor
    limit: Limit


def customer_out(customer: Customer) -> CustomerOut:
    """A customer as the API shows them."""
    return CustomerOut(id=customer.id, name=customer.name or "", email=customer.email,
                       language=customer.language, traits=customer.traits or {},
                       created_at=customer.created_at)


@endpoint("read", query=CustomerListQuery, resp=CustomerPage, tags=("customers",))
def list_customers():
    """List or search customers

    Newest first; q matches part of the name or email, email matches exactly."""
    query = params()
    found, next_id = listing.customer_page(principal(), (query.q or "").strip(), query.email,
                                           shapes.id_cursor(query.cursor), query.limit)
    return CustomerPage(data=[customer_out(c) for c in found],
                        next_cursor=str(next_id) if next_id is not None else None)


@endpoint("read", resp=CustomerOut, tags=("customers",))
def get_customer(customer_id: int):
    """Get a customer"""
    return customer_out(reach.get_customer(principal(), customer_id))


class CustomerIn(Strict):
    name: str = Field("", max_length=200)
    email: str | None = Field(None, max_length=254)
    language: str | None = Field(None, max_length=16, description="like 'de' or 'pt-BR'")
    traits: dict[str, TraitValue] = Field(default_factory=dict, max_length=profiles.MAX_TRAITS)


class CustomerPatch(Strict):
    name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254, description="null removes it")
    language: str | None = Field(None, max_length=16, description="null removes it")
    traits: dict[str, TraitValue] | None = Field(None, max_length=profiles.MAX_TRAITS, description=(
        "merged into the customer's traits: a key set to null is removed, others are kept"))


class CustomerMerge(Strict):
    source_id: int = Field(description="the customer folded into this one (then deleted)")


@endpoint("write", json=CustomerIn, resp=CustomerOut, status=201, errors=(409, 422), tags=("customers",))
def create_customer():
    """Create a customer"""
    data = body()
    reach.require(principal(), "work")
    customer = profiles.create_customer(data.name, data.email, data.language, data.traits)
    return customer_out(customer), 201, {"Location": url_for("api.get_customer", customer_id=customer.id)}


@endpoint("write", json=CustomerPatch, resp=CustomerOut, errors=(409, 422), tags=("customers",))
def update_customer(customer_id: int):
    """Update a customer and their traits

    Only the fields given change; traits are merged key by key."""
    data = body()
    reach.require(principal(), "work")
    customer = reach.get_customer(principal(), customer_id)
    given = {name: getattr(data, name) for name in data.model_fields_set if name != "traits"}
    if given.get("name", "") is None:
        given.pop("name")
    return customer_out(profiles.update_customer(customer, traits=data.traits, **given))


@endpoint("write", json=CustomerMerge, resp=CustomerOut, errors=(422,), tags=("customers",))
def merge_customers(customer_id: int):
    """Merge another customer into this one

    The other's tickets and chat visitors move here, its traits fill the ones this one
    lacks, and it is deleted."""
    who = principal()
    reach.require(who, "work")
    target = reach.get_customer(who, customer_id)
    source = reach.get_customer(who, body().source_id)
    return customer_out(profiles.merge_customers(target, source))
