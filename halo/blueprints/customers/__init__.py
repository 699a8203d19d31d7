"""Contacts: the customers list, a customer's page, companies, CSV import, privacy requests."""
from flask import Blueprint

bp = Blueprint("customers", __name__)

from halo.blueprints.customers import (  # noqa: E402
    companies,  # noqa: F401
    imports,  # noqa: F401
    privacy,  # noqa: F401
    views,  # noqa: F401
)
