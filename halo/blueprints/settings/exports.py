"""Settings > Export (admins): every customer as a streamed CSV file."""
from flask import render_template
from flask_login import current_user

from halo import clock
from halo.blueprints.access import admin_required
from halo.blueprints.settings import bp
from halo.services.integrations import exports
from halo.web import send_csv


@bp.get("/settings/export")
@admin_required
def exports_page():
    return render_template("settings/exports.html")


@bp.get("/settings/export/customers.csv")
@admin_required
def export_customers():
    """Every customer: name, email, language, traits."""
    now = clock.now()
    return send_csv(exports.export_customers(current_user.id, now), exports.filename("customers", now))
