"""Search over ticket subjects, messages and customers: ranked, with the matches marked.

By idea: finding.py reduces what was typed to plain words and reads each place's newest
RECENT matches from the engine's index (FTS5 on SQLite, tsvector on PostgreSQL); ranking.py
scores them with BM25; showing.py reads the ranked tickets' fields and marks the words. A
common word matches a fifth of all messages, so only the newest RECENT matches of each place
are ranked, and the results say so (Results.capped).

What the open access scope does not see never reaches the results: the statements that turn
matches into tickets are ORM reads of Ticket, which its hook narrows.
"""
from sqlalchemy import bindparam, select

from halo.extensions import db
from halo.models import Ticket
from halo.services.inbox.search import finding, ranking, showing
from halo.services.inbox.search.finding import terms_of, ticket_match_condition
from halo.services.inbox.search.showing import Hit

__all__ = ["Hit", "Results", "search", "terms_of", "ticket_match_condition"]

# How much a match in each place counts; a subject says most about what a ticket is about.
WEIGHTS = {"ticket": 3.0, "customer": 2.0, "message": 1.0}


class Results(list):
    """Hits, best first; capped when some place had more than RECENT matches, so the
    hits are the best of the most recent matches rather than of all of them."""
    capped = False


def search(query: str, limit: int = 30) -> Results:
    """Tickets matching every word in subject, thread or customer, best first (of each
    place's newest RECENT matches)."""
    terms = terms_of(query)
    if not terms:
        return Results()
    stats = finding.word_stats(terms)
    ranges = finding.id_ranges()
    by_place, capped = ranking.ranked(terms, ranges, stats)
    scores, best_body = {}, {}
    for table in finding.PLACES:
        best = {}  # a ticket counts its best match per place, not every matching message
        for ticket_id, body, score in _to_tickets(table, by_place.get(table, [])):
            if ticket_id not in best or score > best[ticket_id][1]:
                best[ticket_id] = (body, score)
        for ticket_id, (body, score) in best.items():
            scores[ticket_id] = scores.get(ticket_id, 0.0) + WEIGHTS[table] * score
            if body is not None:
                best_body[ticket_id] = body
    if not scores:
        return Results()
    ranked = sorted(scores, key=lambda t: (-scores[t], -t))[:limit * 3]
    results = Results(showing.hits(ranked, scores, best_body, terms, limit))
    results.capped = capped
    return results


_CUSTOMERS_TICKETS = select(Ticket.id, Ticket.customer_id) \
    .where(Ticket.customer_id.in_(bindparam("ids", expanding=True))) \
    .order_by(Ticket.last_activity_at.desc()).limit(ranking.CANDIDATES)  # built once


def _to_tickets(table: str, rows) -> list[tuple[int, str | None, float]]:
    """Map one place's ranked rows to (ticket_id, message body or None, score)."""
    if table == "ticket":
        return [(rowid, None, value) for rowid, _, value, _ in rows]
    if table == "message":
        return [(ticket_id, body, value) for _, ticket_id, value, body in rows]
    score = {rowid: value for rowid, _, value, _ in rows}
    if not score:
        return []
    # A customer matches through their most recent tickets.
    found = db.session.execute(_CUSTOMERS_TICKETS, {"ids": list(score)})
    return [(tid, None, score[cid]) for tid, cid in found]
