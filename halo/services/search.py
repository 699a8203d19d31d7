"""Search over ticket subjects, messages and customers: ranked, with the matches marked.

SQLite uses the FTS5 tables and PostgreSQL the tsvector columns that migration 0005
creates. Whatever the user types is reduced to plain words before it reaches either
engine, so quotes, NEAR, *, ^ or stray parentheses are searched for as text, never
parsed as query syntax (and can never raise a syntax error).

Ranking is the costly part: bm25 and ts_rank score each match, and a common word matches a
fifth of all messages. So each place (subjects, messages, customers) ranks only its newest
RECENT matches: first their ids, found by reading the index backwards (cheap at any size),
then scores for just those. When a place had more, the results say so (Results.capped).
"""
import re
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape
from sqlalchemy import Integer, bindparam, column, or_, select, text

from ..extensions import db
from ..models import Message, Ticket

WORD = re.compile(r"[^\W_]+")
MAX_TERMS = 8
# How much a match in each place counts; a subject says most about what a ticket is about.
WEIGHTS = {"ticket": 3.0, "customer": 2.0, "message": 1.0}
CANDIDATES = 200
RECENT = 1000  # matches ranked per place: the newest, by id


class Results(list):
    """Hits, best first; capped when some place had more than RECENT matches, so the
    hits are the best of the most recent matches rather than of all of them."""
    capped = False


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


def _newest_sql(table: str) -> str:
    """The ids of table's newest matches, newest first: the index read backwards, unranked."""
    if _dialect() == "postgresql":
        # "id + 0": always the GIN bitmap, cost in proportion to the matches. Ordering by the
        # bare id lets the planner walk the primary key backwards instead, which it guesses for
        # prefix queries (a flat 2%) and which reads the whole table when the guess is wrong: a
        # word absent from the newest rows took 0.1-0.8 s at 100k tickets / 1M messages.
        return (f"SELECT id FROM {table} WHERE search_vector @@ to_tsquery('simple', :q) "
                f"ORDER BY id + 0 DESC LIMIT :cap")
    return f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH :q ORDER BY rowid DESC LIMIT :cap"


def _ranked(table: str, q: str) -> tuple[list, bool]:
    """Best-first (rowid, score) of table's newest RECENT matches, and whether there were more."""
    ids = db.session.execute(text(_newest_sql(table)), {"q": q, "cap": RECENT + 1}).scalars().all()
    if not ids:
        return [], False
    capped, ids = len(ids) > RECENT, ids[:RECENT]
    if _dialect() == "postgresql":
        rows = db.session.execute(text(
            f"SELECT id, ts_rank(search_vector, to_tsquery('simple', :q)) AS score FROM {table} "
            f"WHERE id = ANY(:ids) ORDER BY score DESC, id DESC LIMIT :n"),
            {"q": q, "ids": ids, "n": CANDIDATES}).all()
    else:
        # rowid >= the oldest candidate bounds the FTS5 scan; bm25 still weighs each word by
        # how rare it is among all rows, so scores stay comparable across places.
        rows = db.session.execute(text(
            f"SELECT rowid, -bm25({table}_fts) AS score FROM {table}_fts "
            f"WHERE {table}_fts MATCH :q AND rowid >= :oldest ORDER BY rank LIMIT :n"),
            {"q": q, "oldest": ids[-1], "n": CANDIDATES}).all()
    return rows, capped


def _match_ids(table: str, q):
    """A subquery of the ids of table's rows that match q (a bound parameter)."""
    if _dialect() == "postgresql":
        sql = f"SELECT id FROM {table} WHERE search_vector @@ to_tsquery('simple', :search_q)"
    else:
        sql = f"SELECT rowid AS id FROM {table}_fts WHERE {table}_fts MATCH :search_q"
    return text(sql).bindparams(q).columns(column("id", Integer))


def _engine_query(terms: list[str]) -> str:
    return _pg_query(terms) if _dialect() == "postgresql" else _fts5_query(terms)


def search(query: str, limit: int = 30) -> Results:
    """Tickets matching every word in subject, thread or customer, best first (of each
    place's newest RECENT matches)."""
    terms = terms_of(query)
    if not terms:
        return Results()
    q = _engine_query(terms)
    scores, best_message, capped = {}, {}, False
    for table in ("ticket", "customer", "message"):
        rows, more = _ranked(table, q)
        capped = capped or more
        best = {}  # a ticket counts its best match per place, not every matching message
        for ticket_id, message_id, score in _to_tickets(table, rows):
            if ticket_id not in best or score > best[ticket_id][1]:
                best[ticket_id] = (message_id, score)
        for ticket_id, (message_id, score) in best.items():
            scores[ticket_id] = scores.get(ticket_id, 0.0) + WEIGHTS[table] * score
            if message_id is not None:
                best_message[ticket_id] = message_id
    ranked = sorted(scores, key=lambda t: (-scores[t], -t))[:limit * 3]
    # Words are prefix-matched ("refund" finds "refunds"), and bm25 cannot tell "kettle" from
    # "Kettleby": tickets where every word appears whole rank first, then by weighted score.
    # Decided on plain text, so only the hits kept are escaped and marked.
    wholes = [re.compile(rf"(?<![^\W_]){re.escape(t)}(?![^\W_])", re.I) for t in terms]
    found = []
    for ticket, subject, body, customer in _fields(ranked, best_message, terms):
        plain = " ".join((subject, customer, body))
        found.append((not all(w.search(plain) for w in wholes), -scores[ticket.id], -ticket.id,
                      ticket, subject, body, customer))
    found.sort(key=lambda f: f[:3])
    results = Results(Hit(ticket, -score, highlight(subject, terms), highlight(body, terms),
                          highlight(customer, terms), whole=not partial)
                      for partial, score, _, ticket, subject, body, customer in found[:limit])
    results.capped = capped
    return results


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


def _fields(ranked, best_message, terms):
    """(ticket, subject, snippet, customer) as plain text for each ranked ticket id, in order."""
    tickets = {t.id: t for t in db.session.scalars(
        select(Ticket).where(Ticket.id.in_(ranked))).unique()}
    bodies = dict(db.session.execute(select(Message.id, Message.body_text).where(
        Message.id.in_(list(best_message.values())))).all()) if best_message else {}
    for tid in ranked:
        ticket = tickets.get(tid)
        if ticket is None:
            continue
        body = bodies.get(best_message.get(tid)) or ticket.preview
        customer = ticket.customer.name + (f" <{ticket.customer.email}>" if ticket.customer.email else "")
        yield ticket, ticket.subject or "(no subject)", snippet(body, terms), customer


def _term_pattern(terms: list[str]) -> re.Pattern:
    return _pattern(tuple(terms))


@lru_cache(maxsize=64)
def _pattern(terms: tuple[str, ...]) -> re.Pattern:
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
