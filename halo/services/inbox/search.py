"""Search over ticket subjects, messages and customers: ranked, with the matches marked.

SQLite uses the FTS5 tables and PostgreSQL the tsvector columns that migration 0005
creates. Whatever the user types is reduced to plain words before it reaches either
engine, so quotes, NEAR, *, ^ or stray parentheses are searched for as text, never
parsed as query syntax (and can never raise a syntax error).

Ranking is the costly part, and a common word matches a fifth of all messages. So each place
(subjects, messages, customers) ranks only its newest RECENT matches: first those rows
(_newest; PostgreSQL's GIN index needs help there, see _pg_newest), then their text scored
here in Python with BM25 (_scored), the same way on both engines. BM25 weighs each word by
its rarity among all rows; FTS5's bm25() counts that by reading every posting of the word
(most of a broad query's time), so _shares estimates it: from how densely the word occurs
among the newest rows on SQLite, from PostgreSQL's own statistics of each column's most
common words (pg_stats) there. When a place had more matches than RECENT, the results say
so (Results.capped).
"""
import json
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup
from sqlalchemy import Integer, bindparam, column, or_, select, text

from halo.extensions import db
from halo.models import Customer, Message, Ticket
from halo.services.inbox.marks import highlight, snippet

WORD = re.compile(r"[^\W_]+")
MAX_TERMS = 8
# How much a match in each place counts; a subject says most about what a ticket is about.
WEIGHTS = {"ticket": 3.0, "customer": 2.0, "message": 1.0}
CANDIDATES = 200
RECENT = 1000  # matches ranked per place: the newest, by id
PROBE = 100  # newest matches of a single word that estimate how common it is (SQLite)
K1, B = 1.2, 0.75  # BM25's usual constants, as in FTS5's bm25()
# PostgreSQL: a GIN index cannot return matches newest first, and reading every match of a
# broad word through it costs about a microsecond each. So _pg_newest reads windows of the
# newest rows by primary key, testing each (about half a microsecond a row), while the
# matches expected (pg_stats) or seen so far make that cheaper than the GIN index.
FIRST_WINDOW = 4  # times the matches wanted, when pg_stats knows nothing of the words
FIRST_SHARE = 4  # the first window, when it does, is this part of the rows expected to hold them
ROW_COST = 0.5  # a row read by primary key and tested, against one match read through GIN
# Left to the GIN index, a broad word absent from the newest rows (a topic of the past) would
# have every older match visited (87,308 for "invoice" at 1M messages, 70 ms). When the rows
# left may hold more than GIN_BOUND times the matches wanted, _pg_bound samples where they are
# and the GIN index is read for a window of ids only, widened until it holds them.
GIN_BOUND = 16
PROBES, PROBE_ROWS = 32, 256  # samples of consecutive ids for _pg_bound (8,192 rows, 4 ms)
MARGIN = 1.5  # matches expected in the window, per match wanted
# The text each place is searched in, and the ticket a row belongs to (a customer has several).
TEXT_SQL = {
    "ticket": "SELECT id, id, coalesce(subject, '') FROM ticket",
    "message": "SELECT id, ticket_id, coalesce(body_text, '') FROM message",
    "customer": "SELECT id, NULL, coalesce(name, '') || ' ' || coalesce(email, '') FROM customer",
}


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


def _id_range(table: str) -> tuple[int, int] | None:
    """(lowest, highest) id in table, or None when it is empty; both read off the primary key."""
    low, high = db.session.execute(text(
        f"SELECT (SELECT min(id) FROM {table}), (SELECT max(id) FROM {table})")).one()
    return None if high is None else (low, high)


@dataclass
class WordStats:
    """PostgreSQL's statistics of one place's words (pg_stats, kept up by autovacuum's
    ANALYZE): the share of rows that hold each search word, None for a word too rare to be
    among the (up to 1,000) words it lists."""
    shares: list[float | None]

    def expected(self) -> float:
        """The share of rows expected to hold every word (taking words as independent)."""
        return math.prod(share or 0.0 for share in self.shares)

    def most(self) -> float:
        """The most rows can hold every word: the share of the rarest (0 for one unlisted)."""
        return min(share or 0.0 for share in self.shares)


def _newest(table: str, terms: list[str], cap: int, ids: tuple[int, int],
            stats: WordStats | None = None) -> list[tuple[int, int | None, str]]:
    """(row id, ticket id or None, text) of table's newest matches of every word in terms,
    newest first, at most cap."""
    if _dialect() == "postgresql":
        return _pg_newest(table, terms, cap, ids, stats)
    found = _fts_newest(table, terms, cap)
    return sorted(_texts(table, found), key=lambda row: -row[0]) if found else []


def _fts_newest(table: str, terms: list[str], cap: int) -> list[int]:
    """SQLite: the ids of the newest matches, the FTS5 index read backwards, unranked (cheap
    at any size)."""
    return db.session.execute(text(
        f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH :q ORDER BY rowid DESC LIMIT :cap"),
        {"q": _fts5_query(terms), "cap": cap}).scalars().all()


def _pg_newest(table: str, terms: list[str], cap: int, ids: tuple[int, int],
               stats: WordStats | None) -> list[tuple[int, int | None, str]]:
    """_newest on PostgreSQL, guided by stats (pg_stats' shares of the words), if any. Each
    statement returns the rows' text too: reading it afterwards by id cost a round trip and
    a thousand index lookups."""
    low, high = ids
    q = _pg_query(terms)
    density = stats.expected() if stats else None  # the expected share of rows that match
    # The query as a subquery: computed once even in a generic plan (psycopg prepares a
    # statement run five times), which would otherwise parse it again for every row.
    tsquery = "(SELECT to_tsquery('simple', :q))"
    # coalesce() hides the column from the GIN index, so each window is read by primary key,
    # newest first, and stops at cap matches.
    by_key = text(f"{TEXT_SQL[table]} WHERE id <= :hi AND id > :lo AND "
                  f"coalesce(search_vector, '') @@ {tsquery} ORDER BY id DESC LIMIT :n")
    found, hi, first = [], high, FIRST_SHARE
    while hi >= low and len(found) < cap:
        wanted = cap - len(found)
        if density is None:
            window = FIRST_WINDOW * cap
        elif density and wanted / density * ROW_COST < density * (hi - low + 1):
            # The rows expected to hold them, and some; the first time only a part, so that a
            # word absent from the newest rows is told after a part of the reading.
            window = int(wanted / density * 1.2 / first) + 1
        else:  # rare, or absent from the newest rows: through the GIN index
            lo = low - 1
            if stats and stats.most() * (hi - low + 1) > GIN_BOUND * wanted:
                lo = _pg_bound(table, q, wanted, low, hi)  # many older matches: not all of them
            found += db.session.execute(_pg_by_gin(table, tsquery, lo, hi, low, len(terms) > 1), {
                "q": q, "gin_q": _pg_query([_rarest(terms, stats)]), "hi": hi, "n": wanted}).all()
            hi, density = lo, len(found) / (high - lo)
            continue
        lo, first = max(hi - window, low - 1), 1
        found += db.session.execute(by_key, {"q": q, "hi": hi, "lo": lo, "n": wanted}).all()
        hi, density = lo, (len(found) / (high - lo))
    return [tuple(row) for row in found]


def _pg_by_gin(table: str, tsquery: str, lo: int, hi: int, low: int, several: bool):
    """(row id, ticket id or None, text) of the newest matches with lo < id <= :hi through the
    GIN index, at most :n (below low: every match up to :hi)."""
    if lo < low:
        # "id + 0" leaves only the GIN index, whose cost is in proportion to the matches:
        # ordering by the bare id lets the planner walk the primary key backwards over the
        # whole table, and a generic plan ANDs the GIN bitmap with one of every id below hi.
        return text(f"{TEXT_SQL[table]} WHERE search_vector @@ {tsquery} "
                    f"AND id + 0 <= :hi ORDER BY id + 0 DESC LIMIT :n")
    # A window: the GIN bitmap ANDed with the id range's pages (the BRIN index of migration
    # 0008), so only the matches in the window are visited in the table. The bounds are
    # written in, not bound, so that every plan knows how wide the window is: a generic plan
    # guesses a narrow range and walks it by primary key. Of several words (several), GIN
    # reads only the rarest (:gin_q): a prefix's matches are gathered in full, wherever they
    # are, before any are combined, so each word costs all of its matches; the BRIN bitmap is
    # lossy anyway, so every row on the window's pages is checked against the whole query.
    whole = f"AND coalesce(search_vector, '') @@ {tsquery} " if several else ""
    return text(f"{TEXT_SQL[table]} WHERE search_vector @@ (SELECT to_tsquery('simple', :gin_q)) "
                f"{whole}AND id > {int(lo)} AND id <= {int(hi)} ORDER BY id + 0 DESC LIMIT :n")


def _rarest(terms: list[str], stats: WordStats | None) -> str:
    """The word of terms with the fewest rows, by stats: one they do not list is rarer than
    any they do."""
    if not stats:
        return terms[0]
    return min(zip(terms, stats.shares), key=lambda pair: -1.0 if pair[1] is None else pair[1])[0]


def _pg_bound(table: str, q: str, wanted: int, low: int, high: int) -> int:
    """An id below which the rows low..high are not needed to find about wanted matches:
    estimated from PROBES samples of PROBE_ROWS consecutive ids, spread evenly from high down
    (each read by primary key), with MARGIN to spare; low - 1 when they expect too few.

    Only an estimate: the caller reads the window above it exactly, and goes on below it
    when the window held fewer."""
    span = high - low + 1
    if span < 4 * PROBES * PROBE_ROWS:
        return low - 1
    step = span / PROBES
    tops = [high - int(k * step) for k in range(PROBES)]
    counts = dict(db.session.execute(text(
        f"SELECT top, (SELECT count(*) FROM {table} WHERE id <= top AND id > top - :rows "
        f"AND coalesce(search_vector, '') @@ (SELECT to_tsquery('simple', :q))) "
        f"FROM unnest(CAST(:tops AS bigint[])) AS t(top)"),
        {"rows": PROBE_ROWS, "q": q, "tops": tops}).all())
    per_id = [counts[top] / PROBE_ROWS for top in tops]  # matches per id near each probe
    target, expected = wanted * MARGIN, 0.0
    for k, top in enumerate(tops):
        bottom = tops[k + 1] if k + 1 < PROBES else low - 1
        # Between two probes, the lower of their densities: where matches start between them,
        # a window read too wide visits some more (a millisecond per thousand), one too
        # narrow reads the GIN index again.
        density = min(per_id[k], per_id[min(k + 1, PROBES - 1)])
        if density and expected + density * (top - bottom) >= target:
            return max(low - 1, int(top - (target - expected) / density))
        expected += density * (top - bottom)
    return low - 1


def _word_stats(terms: list[str]) -> dict[str, WordStats]:
    """WordStats per place on PostgreSQL, for the places ANALYZE has seen; {} on SQLite."""
    if _dialect() != "postgresql":
        return {}
    analysed = db.session.execute(text(
        "SELECT s.tablename, e.word, e.share FROM pg_stats s LEFT JOIN LATERAL unnest("
        "s.most_common_elems::text::text[], s.most_common_elem_freqs) AS e(word, share) "
        "ON e.word LIKE ANY(:prefixes) WHERE s.schemaname = current_schema() "
        "AND s.attname = 'search_vector'"), {"prefixes": [t + "%" for t in terms]}).all()
    stats = {}
    for table in {row.tablename for row in analysed}:
        listed = [(row.word, row.share) for row in analysed if row.tablename == table and row.word]
        # A prefix ("refund") stands for every listed word it starts ("refunds", "refunded").
        shares = [[share for word, share in listed if word.startswith(t)] for t in terms]
        stats[table] = WordStats([min(1.0, sum(s)) if s else None for s in shares])
    return stats


def _share(found: list[int], cap: int, ids: tuple[int, int]) -> float:
    """The estimated share of table rows that match, from its newest matches (up to cap)."""
    low, high = ids
    rows = high - low + 1
    if len(found) < cap:  # every match: the count is exact
        return len(found) / rows
    return min(1.0, len(found) / (high - found[-1] + 1))


def _shares(table: str, terms: list[str], query_share: float, ids: tuple[int, int],
            stats: WordStats | None) -> list[float]:
    """Per word, the estimated share of table's rows it appears in (its rarity for BM25).

    A word appears at least as often as all the words together, so that is each one's floor."""
    if len(terms) == 1:
        return [query_share]
    if _dialect() == "postgresql":
        # A word ANALYZE does not list is rarer than those it does; the whole query bounds it.
        listed = stats.shares if stats else [None] * len(terms)
        return [max(query_share, share or 0.0) for share in listed]
    return [max(query_share, _share(_fts_newest(table, [t], PROBE), PROBE, ids)) for t in terms]


def _fold(value: str) -> str:
    """Lower-cased without diacritics, as the FTS5 tokenizer folds ("Café" finds "cafe")."""
    value = value.lower()
    if value.isascii():
        return value
    return "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))


@lru_cache(maxsize=256)
def _word_start(term: str) -> re.Pattern:
    """Matches term where a word starts (term folded)."""
    # The look behind comes after the literal: first, it would turn off the regex engine's
    # fast scan for the literal (ten times slower over a thousand messages).
    return re.compile(rf"{re.escape(term)}(?<![^\W_]{re.escape(term)})")


def _texts(table: str, found: list[int]) -> list[tuple[int, int | None, str]]:
    """(row id, ticket id or None, text) of the found rows, in no particular order."""
    # One parameter, not a thousand: binding and parsing each took longer than the query.
    if _dialect() == "postgresql":
        sql, ids = f"{TEXT_SQL[table]} WHERE id = ANY(:ids)", found
    else:
        sql, ids = f"{TEXT_SQL[table]} WHERE id IN (SELECT value FROM json_each(:ids))", json.dumps(found)
    return db.session.execute(text(sql), {"ids": ids}).all()


def _scored(table: str, terms: list[str], texts: list[tuple[int, int | None, str]], capped: bool,
            ids: tuple[int, int], stats: WordStats | None) -> list[tuple[int, int | None, float, str]]:
    """BM25 of the found rows (row id, ticket id or None, text; newest first), best first, at
    most CANDIDATES: (row id, ticket id or None, score, text)."""
    query_share = _share([row[0] for row in texts], RECENT if capped else RECENT + 1, ids)
    shares = _shares(table, terms, query_share, ids, stats)
    rows = ids[1] - ids[0] + 1
    # BM25's rarity, in Lucene's form: FTS5's bm25() floors it at 1e-6 for any word in half
    # the rows, which in a young helpdesk's few tickets left nothing to rank by.
    idf = [math.log(1 + (rows - share * rows + 0.5) / (share * rows + 0.5)) for share in shares]
    folded = [_fold(value) for _, _, value in texts]
    # Words counted as spaces and line breaks: near enough for BM25's length, and C-fast.
    lengths = [value.count(" ") + value.count("\n") + 1 for value in folded]
    average = sum(lengths) / len(lengths) if lengths else 1.0
    patterns = [_word_start(_fold(t)) for t in terms]
    scored = []
    for (rowid, owner, original), value, length in zip(texts, folded, lengths):
        norm = K1 * (1 - B + B * length / average)
        score = 0.0
        for pattern, weight in zip(patterns, idf):
            # The engine found every word here; one its tokenizer splits differently counts once.
            tf = len(pattern.findall(value)) or 1
            score += weight * tf * (K1 + 1) / (tf + norm)
        scored.append((rowid, owner, score, original))
    scored.sort(key=lambda r: (-r[2], -r[0]))
    return scored[:CANDIDATES]


def _ranked(table: str, terms: list[str], stats: WordStats | None) -> tuple[list, bool]:
    """Best-first (row id, ticket id or None, score, text) of table's newest RECENT matches,
    and whether there were more."""
    ids = _id_range(table)
    if ids is None:
        return [], False
    found = _newest(table, terms, RECENT + 1, ids, stats)
    if not found:
        return [], False
    capped, found = len(found) > RECENT, found[:RECENT]
    return _scored(table, terms, found, capped, ids, stats), capped


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
    scores, best_body, capped = {}, {}, False
    stats = _word_stats(terms)
    for table in ("ticket", "customer", "message"):
        rows, more = _ranked(table, terms, stats.get(table))
        capped = capped or more
        best = {}  # a ticket counts its best match per place, not every matching message
        for ticket_id, body, score in _to_tickets(table, rows):
            if ticket_id not in best or score > best[ticket_id][1]:
                best[ticket_id] = (body, score)
        for ticket_id, (body, score) in best.items():
            scores[ticket_id] = scores.get(ticket_id, 0.0) + WEIGHTS[table] * score
            if body is not None:
                best_body[ticket_id] = body
    if not scores:
        return Results()
    ranked = sorted(scores, key=lambda t: (-scores[t], -t))[:limit * 3]
    # Words are prefix-matched ("refund" finds "refunds"), and BM25 cannot tell "kettle" from
    # "Kettleby": tickets where every word appears whole rank first, then by weighted score.
    # Decided on plain text, so only the hits kept are escaped and marked.
    wholes = [re.compile(rf"(?<![^\W_]){re.escape(t)}(?![^\W_])", re.I) for t in terms]
    found = []
    for tid, subject, body, customer in _fields(ranked, best_body, terms):
        plain = " ".join((subject, customer, body))
        found.append((all(w.search(plain) for w in wholes), tid, subject, body, customer))
    found.sort(key=lambda f: (not f[0], -scores[f[1]], -f[1]))
    found = found[:limit]
    tickets = {t.id: t for t in db.session.scalars(  # models only for the hits shown
        select(Ticket).where(Ticket.id.in_([f[1] for f in found]))).unique()}
    results = Results(Hit(tickets[tid], scores[tid], highlight(subject, terms), highlight(body, terms),
                          highlight(customer, terms), whole=whole)
                      for whole, tid, subject, body, customer in found if tid in tickets)
    results.capped = capped
    return results


def _to_tickets(table: str, rows) -> list[tuple[int, str | None, float]]:
    """Map one table's ranked rows to (ticket_id, message body or None, score)."""
    if table == "ticket":
        return [(rowid, None, value) for rowid, _, value, _ in rows]
    if table == "message":
        return [(ticket_id, body, value) for _, ticket_id, value, body in rows]
    score = {rowid: value for rowid, _, value, _ in rows}
    if not score:
        return []
    # A customer matches through their most recent tickets.
    found = db.session.execute(select(Ticket.id, Ticket.customer_id).where(
        Ticket.customer_id.in_(score)).order_by(Ticket.last_activity_at.desc()).limit(CANDIDATES))
    return [(tid, None, score[cid]) for tid, cid in found]


def _fields(ranked, best_body, terms):
    """(ticket id, subject, snippet, customer) as plain text for each ranked ticket id, in order."""
    rows = {row.id: row for row in db.session.execute(
        select(Ticket.id, Ticket.subject, Ticket.preview, Customer.name, Customer.email)
        .join(Customer, Customer.id == Ticket.customer_id).where(Ticket.id.in_(ranked)))}
    for tid in ranked:
        row = rows.get(tid)
        if row is None:
            continue
        body = best_body.get(tid) or row.preview
        customer = row.name + (f" <{row.email}>" if row.email else "")
        yield tid, row.subject or "(no subject)", snippet(body, terms), customer


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
