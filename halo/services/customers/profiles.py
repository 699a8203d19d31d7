"""Customer profiles: create, update traits, merge two profiles of one person (merge.py).

Traits are a flat JSON object of short keys (the inbox filters read them: plan:pro);
an update sets the keys it names and removes those it sets to null, leaving the rest.
"""
import re
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from halo import clock
from halo.extensions import db
from halo.models import Customer, CustomerAddress
from halo.services.access import roles
from halo.services.customers import merge
from halo.services.customers.listing import get_customer
from halo.services.errors import ValidationError
from halo.services.inbox.filters import LANGUAGE, TRAIT_KEY

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_TRAITS = 100
MAX_TRAIT_VALUE = 1000


class Conflict(ValidationError):
    """The change clashes with another profile (an email already in use)."""
    status_code = 409


def check_email(email: str | None) -> str | None:
    """A normalised email, or ValidationError."""
    if email is None:
        return None
    email = email.strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise ValidationError(gettext("%(email)s is not an email address.", email=f'{email!r}'))
    return email


def check_language(language: str | None) -> str | None:
    if language is None:
        return None
    if not LANGUAGE.match(language):
        raise ValidationError(gettext("Language %(language)s is not a language code like 'de' or 'pt-BR'.", language=f'{language!r}'))
    return language.lower().replace("_", "-")


def merged_traits(current: dict, changes: dict) -> dict:
    """current with changes applied (None removes a key), checked."""
    traits = dict(current or {})
    for key, value in changes.items():
        if not TRAIT_KEY.match(key):
            raise ValidationError(gettext("Trait name %(key)s may use letters, digits, '_', '.', '-' (up to 64).", key=f'{key!r}'))
        if value is None:
            traits.pop(key, None)
        elif isinstance(value, (dict, list)):
            raise ValidationError(gettext("Trait %(key)s must be a string, number or true/false.", key=f'{key!r}'))
        elif isinstance(value, str) and len(value) > MAX_TRAIT_VALUE:
            raise ValidationError(gettext("Trait %(key)s is longer than %(MAX_TRAIT_VALUE)s characters.", key=f'{key!r}', MAX_TRAIT_VALUE=MAX_TRAIT_VALUE))
        else:
            traits[key] = value
    if len(traits) > MAX_TRAITS:
        raise ValidationError(gettext("A customer has at most %(MAX_TRAITS)s traits.", MAX_TRAITS=MAX_TRAITS))
    return traits


def by_address(email: str | None) -> Customer | None:
    """The customer an address belongs to, as their email or as another of theirs (one a
    merge brought): every way in (mail, the widget's identify, the API) finds them by it."""
    email = (email or "").strip().lower()
    if not email:
        return None
    found = db.session.scalar(select(Customer).where(func.lower(Customer.email) == email).limit(1))
    if found is None:
        found = db.session.scalar(select(Customer).join(CustomerAddress, CustomerAddress.customer_id == Customer.id)
                                  .where(CustomerAddress.email == email).limit(1))
    return found


def _email_taken(email: str, other_than: int | None = None) -> bool:
    query = select(Customer.id).where(func.lower(Customer.email) == email)
    address = select(CustomerAddress.customer_id).where(CustomerAddress.email == email)
    if other_than is not None:
        query = query.where(Customer.id != other_than)
        address = address.where(CustomerAddress.customer_id != other_than)
    return (db.session.scalar(query.limit(1)) is not None
            or db.session.scalar(address.limit(1)) is not None)


def create_customer(name: str, email: str | None, language: str | None = None,
                    traits: dict | None = None, now: datetime | None = None) -> Customer:
    """A new profile; an email another profile has is a Conflict."""
    email, language = check_email(email), check_language(language)
    name = " ".join((name or "").split())[:200]
    if not name and not email:
        raise ValidationError(gettext("A customer needs a name or an email."))
    if email and _email_taken(email):
        raise Conflict(gettext("A customer with the email %(email)s already exists.", email=email))
    customer = Customer(name=name, email=email, language=language,
                        traits=merged_traits({}, traits or {}), created_at=now or clock.now())
    db.session.add(customer)
    try:
        db.session.commit()
    except IntegrityError:  # the same email raced in
        db.session.rollback()
        raise Conflict(gettext("A customer with the email %(email)s already exists.", email=email)) from None
    return customer


_UNSET = object()


def update_customer(customer: Customer, name=_UNSET, email=_UNSET, language=_UNSET,
                    traits: dict | None = None) -> Customer:
    """Change the fields given; traits are merged (None removes a key)."""
    if email is not _UNSET:
        email = check_email(email)
        if email and _email_taken(email, customer.id):
            raise Conflict(gettext("A customer with the email %(email)s already exists.", email=email))
        customer.email = email
    if language is not _UNSET:
        customer.language = check_language(language)
    if name is not _UNSET:
        customer.name = " ".join((name or "").split())[:200]
    if traits:
        customer.traits = merged_traits(customer.traits, traits)
    if not customer.name and not customer.email:
        raise ValidationError(gettext("A customer needs a name or an email."))
    db.session.commit()
    return customer


def merge_customers(target: Customer, source: Customer, actor_id: int | None = None) -> Customer:
    """Fold source into target (services/customers/merge.py records what moved, for Undo)."""
    merge.merge_customers(target.id, source.id, actor_id)
    return db.session.get(Customer, target.id)


def edit_customer(user_id: int, customer_id: int, name=_UNSET, email=_UNSET, language=_UNSET,
                  traits: dict | None = None) -> Customer:
    """A teammate's change to a profile they see (the work capability: read-only may not)."""
    roles.require(user_id, "work")
    customer = get_customer(user_id, customer_id)
    try:
        return update_customer(customer, name=name, email=email, language=language, traits=traits)
    except ValidationError:
        db.session.rollback()
        raise
