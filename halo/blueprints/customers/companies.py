"""Companies: customers grouped by company trait or email domain."""
from flask import abort, render_template, request
from flask_login import current_user

from halo.blueprints.customers import bp
from halo.blueprints.customers.views import _page_number
from halo.services.customers import companies


@bp.get("/customers/companies")
def companies_index():
    q = request.args.get("q", "")[:200]
    found, more = companies.company_page(current_user.id, q=q, page=_page_number())
    return render_template("customers/companies.html", companies=found, more=more, q=q, page=_page_number())


@bp.get("/customers/company")
def company():
    key = request.args.get("key", "").strip()[:254]
    if not key:
        abort(404)
    members = companies.company_customers(current_user.id, key)
    if not members:
        abort(404)
    return render_template("customers/company.html", key=key, members=members)
