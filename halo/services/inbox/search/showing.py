"""Showing hits: each ticket's subject, customer and the stretch of its best message around
the first match, with the words that matched marked (services/inbox/marks.py), read for
every ticket ranked in one statement; tickets where every word appears whole first."""
import re
from dataclasses import dataclass

from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy import bindparam, select

from halo.extensions import db
from halo.models import STATUS_LABELS, Customer, Ticket
from halo.services.inbox.marks import highlight, snippet


@dataclass(frozen=True)
class HitTicket:
    """What a hit shows of its ticket (a full model per hit cost a statement and a load)."""
    id: int
    status: str

    @property
    def status_label(self) -> str:
        return gettext(STATUS_LABELS[self.status])


@dataclass
class Hit:
    ticket: HitTicket
    score: float
    subject: Markup
    snippet: Markup
    customer: Markup
    whole: bool = False


def hits(ranked: list[int], scores: dict[int, float], best_body: dict[int, str], terms: list[str],
         limit: int) -> list[Hit]:
    """The best limit of the ranked ticket ids as Hits: tickets where every word appears whole
    first, then by score. Ids the open access scope does not see are left out."""
    # Words are prefix-matched ("refund" finds "refunds"), and BM25 cannot tell "kettle" from
    # "Kettleby": tickets where every word appears whole rank first, then by weighted score.
    # Decided on plain text, so only the hits kept are escaped and marked.
    wholes = [re.compile(rf"(?<![^\W_]){re.escape(t)}(?![^\W_])", re.I) for t in terms]
    found = []
    for tid, status, subject, body, customer in _fields(ranked, best_body, terms):
        plain = " ".join((subject, customer, body))
        found.append((all(w.search(plain) for w in wholes), tid, status, subject, body, customer))
    found.sort(key=lambda f: (not f[0], -scores[f[1]], -f[1]))
    return [Hit(HitTicket(tid, status), scores[tid], highlight(subject, terms), highlight(body, terms),
                highlight(customer, terms), whole=whole)
            for whole, tid, status, subject, body, customer in found[:limit]]


# Built once (building it cost more than running it). An ORM statement on Ticket: the access
# scope's hook narrows it (services/access/scope.py).
_FIELDS = select(Ticket.id, Ticket.status, Ticket.subject, Ticket.preview, Customer.name, Customer.email) \
    .join(Customer, Customer.id == Ticket.customer_id).where(Ticket.id.in_(bindparam("ids", expanding=True)))


def _fields(ranked, best_body, terms):
    """(ticket id, status, subject, snippet, customer) as plain text for each ranked ticket id
    the scope sees, in order."""
    rows = {row.id: row for row in db.session.execute(_FIELDS, {"ids": ranked})}
    for tid in ranked:
        row = rows.get(tid)
        if row is None:
            continue
        body = best_body.get(tid) or row.preview
        customer = row.name + (f" <{row.email}>" if row.email else "")
        yield tid, row.status, row.subject or "(no subject)", snippet(body, terms), customer
