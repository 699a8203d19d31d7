"""What moves a ticket's SLA clocks besides its thread: its customer's traits (a policy can
ask for one). A flush that changes a customer's traits marks the stored clocks of that
customer's tickets stale, so the next minute's check chooses their policy again.

Everything else a policy reads is in the thread already: a tag added or taken off, a
status, a move to another inbox each write an event line, which moves thread_rev.
"""
from sqlalchemy import inspect, select, update

from halo.models import Customer, Ticket, TicketSla


def _traits_changed(session, flush_context, instances) -> None:
    changed = [c.id for c in session.dirty if isinstance(c, Customer) and c.id is not None
               and inspect(c).attrs.traits.history.has_changes()]
    if changed:
        session.execute(update(TicketSla).where(TicketSla.ticket_id.in_(
            select(Ticket.id).where(Ticket.customer_id.in_(changed)))).values(thread_rev=-1)
            .execution_options(synchronize_session=False))


HOOKS = (("before_flush", _traits_changed),)
