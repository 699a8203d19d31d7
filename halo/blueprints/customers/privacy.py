"""A customer's data export (JSON) and erasure, for admins."""
import json

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from halo.blueprints.customers import bp
from halo.services.access import roles
from halo.services.customers import listing, privacy
from halo.services.errors import ValidationError


@bp.get("/customers/<int:customer_id>/export.json")
def export(customer_id: int):
    data = privacy.export_customer(current_user.id, customer_id)
    response = Response(json.dumps(data, indent=2, ensure_ascii=False), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="halo-customer-{customer_id}.json"'
    response.headers["Cache-Control"] = "no-store"  # a copy of personal data: on no disk but the admin's
    return response


@bp.get("/customers/<int:customer_id>/erase")
def erase_form(customer_id: int):
    roles.require(current_user.id, "admin")
    customer = listing.get_customer(current_user.id, customer_id)
    return render_template("customers/erase.html", customer=customer, word=privacy.confirmation_word(customer),
                           tickets=len(listing.customer_tickets(current_user.id, customer_id, limit=10_000)))


@bp.post("/customers/<int:customer_id>/erase")
def erase(customer_id: int):
    try:
        counts = privacy.erase_customer(current_user.id, customer_id, request.form.get("confirm", ""))
    except ValidationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("customers.erase_form", customer_id=customer_id))
    flash(gettext("Erased: %(value)s tickets and %(value2)s messages kept as anonymous rows, %(value3)s attachments deleted.", value=counts['tickets'], value2=counts['messages'], value3=counts['attachments']), "info")
    return redirect(url_for("customers.show", customer_id=customer_id))
