"""Finding matches: whatever the user typed reduced to plain words, and each place's newest
matches of them (row id, ticket id, text), read from the engine's full-text index.

SQLite uses the FTS5 tables and PostgreSQL the tsvector columns that migration 0005
creates. Quotes, NEAR, *, ^ or stray parentheses are searched for as text, never parsed as
query syntax (and can never raise a syntax error). Each place (subjects, messages,
customers) yields only its newest RECENT matches, newest first; SQLite reads its index
backwards, PostgreSQL's GIN index cannot, so _pg_newest reads windows of the newest rows
(see there). Statements are few: one for the id ranges of every place, and on SQLite one
for the newest matches of every place with their text, one for the rarity probes.
"""
import math
import re
from dataclasses import dataclass

from sqlalchemy import Integer, bindparam, column, or_, select, text

from halo.extensions import db
from halo.models import Message, Ticket

PLACES = ("ticket", "customer", "message")
WORD = re.compile(r"[^\W_]+")
MAX_TERMS = 8
RECENT = 1000  # matches ranked per place: the newest, by id
PROBE = 100  # newest matches of a single word that estimate how common it is (SQLite)
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


def dialect() -> str:
    return db.session.get_bind().dialect.name


def id_ranges() -> dict[str, tuple[int, int]]:
    """(lowest, highest) id of each place's table that has rows, read off the primary keys in
    one statement."""
    row = db.session.execute(text("SELECT " + ", ".join(
        f"(SELECT min(id) FROM {table}), (SELECT max(id) FROM {table})" for table in PLACES))).one()
    return {table: (row[2 * k], row[2 * k + 1]) for k, table in enumerate(PLACES) if row[2 * k + 1] is not None}


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


def newest(terms: list[str], cap: int, ranges: dict[str, tuple[int, int]],
           stats: dict[str, "WordStats"]) -> dict[str, list[tuple[int, int | None, str]]]:
    """(row id, ticket id or None, text) of each place's newest matches of every word in terms,
    newest first, at most cap a place (places without any left out)."""
    if dialect() == "postgresql":
        found = {table: _pg_newest(table, terms, cap, ranges[table], stats.get(table)) for table in ranges}
        return {table: rows for table, rows in found.items() if rows}
    if not ranges:
        return {}
    # SQLite: one statement for every place. Each index is read backwards, unranked (cheap at
    # any size), and the rows' text read by id with the matches.
    rows = db.session.execute(text(" UNION ALL ".join(
        f"SELECT '{table}', * FROM ({TEXT_SQL[table]} WHERE id IN (SELECT rowid FROM {table}_fts "
        f"WHERE {table}_fts MATCH :q ORDER BY rowid DESC LIMIT :cap))" for table in ranges)),
        {"q": _fts5_query(terms), "cap": cap}).all()
    found = {}
    for table, *row in rows:
        found.setdefault(table, []).append(tuple(row))
    for matches in found.values():
        matches.sort(key=lambda row: -row[0])
    return found


def newest_in(table: str, terms: list[str], cap: int, ids: tuple[int, int],
              stats: "WordStats | None" = None) -> list[tuple[int, int | None, str]]:
    """newest() for one place."""
    return newest(terms, cap, {table: ids}, {table: stats} if stats else {}).get(table, [])


def probes(places: list[str], terms: list[str]) -> dict[tuple[str, str], tuple[int, int | None]]:
    """SQLite: per (place, word), how many of the word's newest PROBE matches there are, and
    the oldest id among them (how densely the word occurs lately), in one statement."""
    if not places:
        return {}
    parts, params = [], {"probe": PROBE}
    for p, table in enumerate(places):
        for t, term in enumerate(terms):
            params[f"q{p}_{t}"] = _fts5_query([term])
            parts.append(f"SELECT {p}, {t}, count(*), min(rowid) FROM (SELECT rowid FROM {table}_fts "
                         f"WHERE {table}_fts MATCH :q{p}_{t} ORDER BY rowid DESC LIMIT :probe)")
    return {(places[p], terms[t]): (n, oldest)
            for p, t, n, oldest in db.session.execute(text(" UNION ALL ".join(parts)), params)}


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


def word_stats(terms: list[str]) -> dict[str, WordStats]:
    """WordStats per place on PostgreSQL, for the places ANALYZE has seen; {} on SQLite."""
    if dialect() != "postgresql":
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


def _match_ids(table: str, q):
    """A subquery of the ids of table's rows that match q (a bound parameter)."""
    if dialect() == "postgresql":
        sql = f"SELECT id FROM {table} WHERE search_vector @@ to_tsquery('simple', :search_q)"
    else:
        sql = f"SELECT rowid AS id FROM {table}_fts WHERE {table}_fts MATCH :search_q"
    return text(sql).bindparams(q).columns(column("id", Integer))


def engine_query(terms: list[str]) -> str:
    return _pg_query(terms) if dialect() == "postgresql" else _fts5_query(terms)


def ticket_match_condition(query: str):
    """A condition on Ticket: subject, any message or the customer matches every word."""
    terms = terms_of(query)
    if not terms:
        return Ticket.id.is_not(None)
    q = bindparam("search_q", engine_query(terms))
    by_message = select(Message.ticket_id).where(Message.id.in_(_match_ids("message", q)))
    return or_(Ticket.id.in_(_match_ids("ticket", q)),
               Ticket.customer_id.in_(_match_ids("customer", q)),
               Ticket.id.in_(by_message))
