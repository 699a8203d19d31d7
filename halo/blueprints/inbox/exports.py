"""The inbox view's tickets, with the filters on screen, as a streamed CSV file."""
from flask import abort, request
from flask_login import current_user

from halo import clock
from halo.blueprints.inbox import bp
from halo.services.inbox import views as inbox
from halo.services.inbox.filters import parse_filters
from halo.services.integrations import exports
from halo.web import send_csv


@bp.get("/inbox/<view>/export.csv")
def export_tickets(view: str):
    """Every ticket the view lists with these filters (not only the page on screen)."""
    if view not in inbox.VIEWS:
        abort(404)
    flt = parse_filters(request.args.to_dict(flat=False))  # a filter that does not parse: 400
    now = clock.now()
    return send_csv(exports.export_tickets(current_user.id, view, flt, now),
                    exports.filename("tickets", now, view))
