"""A ticket's SLA clocks, explained: which policy, which hours, what started, stopped and
paused each clock."""
from flask import render_template

from halo import clock
from halo.blueprints.tickets import bp
from halo.services.service_levels import sla
from halo.services.tickets import status


@bp.get("/tickets/<int:ticket_id>/sla")
def sla_why(ticket_id: int):
    ticket = status.get_ticket(ticket_id)
    now = clock.now()
    result = sla.evaluate(ticket, now)
    return render_template("tickets/sla.html", ticket=ticket, result=result, now=now,
                           reading=sla.reading(result, now), span=sla.span)
