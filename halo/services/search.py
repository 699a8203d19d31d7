"""Search over ticket subjects, messages and customers: ranked, with the matches marked.

SQLite uses the FTS5 tables and PostgreSQL the tsvector columns that migration 0005
creates. Whatever the user types is reduced to plain words before it reaches either
engine, so quotes, NEAR, *, ^ or stray parentheses are searched for as text, never
parsed as query syntax (and can never raise a syntax error).
"""
import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import Integer, bindparam, column, or_, select, text

from ..extensions import db
from ..models import Message, Ticket

WORD = re.compile(r"[^\W_]+")
MAX_TERMS = 8
# How much a match in each place counts; a subject says most about what a ticket is about.
WEIGHTS = {"ticket": 3.0, "customer": 2.0, "message": 1.0}
CANDIDATES = 200


@dataclass
class Hit:
    ticket: Ticket
    score: float
    subject: Markup
    snippet: Markup
    customer: Markup
    whole: bool = False


def terms_of(query: str) -> list[str]:
    """The words to search for, lower-cased, de-duplicated, in order."""
    seen = []
    for word in WORD.findall(query.lower()):
        if word not in seen:
            seen.append(word[:64])
    return seen[:MAX_TERMS]


def _fts5_query(terms: list[str]) -> str:
    # Each word quoted (so NEAR/AND/OR are words) and prefix-matched ("refund" finds "refunds").
    return " ".join(f'"{t}"*' for t in terms)


def _pg_query(terms: list[str]) -> str:
    return " & ".join(f"{t}:*" for t in terms)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _hits_sql(table: str) -> str:
    """Best-first (rowid, score) of one table's matches; score grows with relevance."""
    if _dialect() == "postgresql":
        return (f"SELECT id, ts_rank(search_vector, to_tsquery('simple', :q)) AS score FROM {table} "
                f"WHERE search_vector @@ to_tsquery('simple', :q) ORDER BY score DESC LIMIT :n")
    return (f"SELECT rowid, -bm25({table}_fts) AS score FROM {table}_fts "
            f"WHERE {table}_fts MATCH :q ORDER BY rank LIMIT :n")


def _match_ids(table: str, q):
    """A subquery of the ids of table's rows that match q (a bound parameter)."""
    if _dialect() == "postgresql":
        sql = f"SELECT id FROM {table} WHERE search_vector @@ to_tsquery('simple', :search_q)"
    else:
        sql = f"SELECT rowid AS id FROM {table}_fts WHERE {table}_fts MATCH :search_q"
    return text(sql).bindparams(q).columns(column("id", Integer))


def _engine_query(terms: list[str]) -> str:
    return _pg_query(terms) if _dialect() == "postgresql" else _fts5_query(terms)


def search(query: str, limit: int = 30) -> list[Hit]:
    """Tickets matching every word in subject, thread or customer, best first."""
    terms = terms_of(query)
    if not terms:
        return []
    q = _engine_query(terms)
    scores, best_message = {}, {}
    for table in ("ticket", "customer", "message"):
        rows = db.session.execute(text(_hits_sql(table)), {"q": q, "n": CANDIDATES}).all()
        best = {}  # a ticket counts its best match per place, not every matching message
        for ticket_id, message_id, score in _to_tickets(table, rows):
            if ticket_id not in best or score > best[ticket_id][1]:
                best[ticket_id] = (message_id, score)
        for ticket_id, (message_id, score) in best.items():
            scores[ticket_id] = scores.get(ticket_id, 0.0) + WEIGHTS[table] * score
            if message_id is not None:
                best_message[ticket_id] = message_id
    ranked = sorted(scores, key=lambda t: (-scores[t], -t))[:limit * 3]
    hits = _hits(ranked, scores, best_message, terms)
    # Words are prefix-matched ("refund" finds "refunds"), and bm25 cannot tell "kettle" from
    # "Kettleby": tickets where every word appears whole rank first, then by weighted score.
    for hit in hits:
        plain = " ".join(x.striptags() for x in (hit.subject, hit.customer, hit.snippet))
        hit.whole = all(re.search(rf"(?<![^\W_]){re.escape(t)}(?![^\W_])", plain, re.I) for t in terms)
    return sorted(hits, key=lambda h: (not h.whole, -h.score, -h.ticket.id))[:limit]


def _to_tickets(table: str, rows) -> list[tuple[int, int | None, float]]:
    """Map one table's (rowid, score) rows to (ticket_id, message_id, score)."""
    score = {rowid: value for rowid, value in rows}
    if not score:
        return []
    if table == "ticket":
        return [(rowid, None, value) for rowid, value in score.items()]
    if table == "message":
        found = db.session.execute(select(Message.ticket_id, Message.id).where(Message.id.in_(score)))
        return [(tid, mid, score[mid]) for tid, mid in found]
    # A customer matches through their most recent tickets.
    found = db.session.execute(select(Ticket.id, Ticket.customer_id).where(
        Ticket.customer_id.in_(score)).order_by(Ticket.last_activity_at.desc()).limit(CANDIDATES))
    return [(tid, None, score[cid]) for tid, cid in found]


def _hits(ranked, scores, best_message, terms) -> list[Hit]:
    tickets = {t.id: t for t in db.session.scalars(
        select(Ticket).where(Ticket.id.in_(ranked))).unique()}
    bodies = dict(db.session.execute(select(Message.id, Message.body_text).where(
        Message.id.in_(list(best_message.values())))).all()) if best_message else {}
    hits = []
    for tid in ranked:
        ticket = tickets.get(tid)
        if ticket is None:
            continue
        body = bodies.get(best_message.get(tid)) or ticket.preview
        customer = ticket.customer.name + (f" <{ticket.customer.email}>" if ticket.customer.email else "")
        hits.append(Hit(ticket, scores[tid], highlight(ticket.subject or "(no subject)", terms),
                        highlight(snippet(body, terms), terms), highlight(customer, terms)))
    return hits


def _term_pattern(terms: list[str]) -> re.Pattern:
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})[^\W_]*", re.IGNORECASE)


def highlight(value: str, terms: list[str]) -> Markup:
    """Escape value and wrap each word that starts with a search term in <mark>."""
    if not terms:
        return escape(value)
    out, at = [], 0
    for match in _term_pattern(terms).finditer(value):
        out.append(escape(value[at:match.start()]))
        out.append(Markup("<mark>%s</mark>") % match.group(0))
        at = match.end()
    out.append(escape(value[at:]))
    return Markup("").join(out)


def snippet(body: str, terms: list[str], width: int = 180) -> str:
    """The stretch of body around its first match, on word boundaries."""
    body = " ".join((body or "").split())
    match = _term_pattern(terms).search(body) if terms else None
    if match is None or len(body) <= width:
        return body[:width] + ("…" if len(body) > width else "")
    start = max(0, match.start() - width // 3)
    start = body.rfind(" ", 0, start) + 1 if start else 0
    end = min(len(body), start + width)
    return ("…" if start else "") + body[start:end] + ("…" if end < len(body) else "")


def ticket_match_condition(query: str):
    """A condition on Ticket: subject, any message or the customer matches every word."""
    terms = terms_of(query)
    if not terms:
        return Ticket.id.is_not(None)
    q = bindparam("search_q", _engine_query(terms))
    by_message = select(Message.ticket_id).where(Message.id.in_(_match_ids("message", q)))
    return or_(Ticket.id.in_(_match_ids("ticket", q)),
               Ticket.customer_id.in_(_match_ids("customer", q)),
               Ticket.id.in_(by_message))
