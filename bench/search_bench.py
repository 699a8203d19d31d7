"""Search at 1,000,000 messages and segment counts at 100,000 tickets, each beside a reference.

    .venv/bin/python bench/search_bench.py [--db bench/out/search.db] [--reuse]
        [--postgres postgresql://USER@HOST:PORT/DB] [--baseline GIT_REV]

Seeds 100,000 tickets with bench/seed.py (500,000 messages of support prose), then adds
500,000 messages drawn from a Zipf-distributed 40,000-word vocabulary so words have
realistic frequencies (a few very common, most rare): 1,000,000 messages in all, every
one indexed through the FTS5 triggers. Then times, in the same process and run:
  search   search.search() for rare, medium, common and multi-word queries, and hostile
           input; reference: the indexed thread lookup the ticket page does.
  segments count_tickets() for several segments, cold (cache cleared) and warm;
           reference: view_counts(), the sidebar's counter-table read.
Figures: median and p95 in milliseconds over REPEAT runs.

--postgres URL copies the same rows into that (empty or previously loaded) PostgreSQL
database, migrated by Halo's migrations, and times search there (segments stay SQLite's).
--baseline REV also times halo/services/search.py as it was at REV, in the same process
and interleaved with the current code, so both share the machine's load.
"""
import argparse
import importlib.util
import os
import random
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

REPEAT = 30
TOTAL_MESSAGES = 1_000_000
VOCAB = 40_000


def _word(i: int) -> str:
    consonants, vowels = "bcdfghklmnprstvz", "aeiou"
    out, n = [], i + 1
    while n:
        n, r = divmod(n, 80)
        out.append(consonants[r % 16] + vowels[r // 16])
    return "".join(out) + "x"   # synthetic words, never an English stop word


def _add_zipf_messages(db, n: int, n_tickets: int) -> None:
    rng = random.Random(7)
    cum, total = [], 0.0
    for rank in range(VOCAB):  # cumulative once: choices() with plain weights re-sums 40k per call
        total += 1 / (rank + 1)
        cum.append(total)
    words = [_word(i) for i in range(VOCAB)]
    table = db.metadata.tables["message"]
    from datetime import datetime
    at = datetime(2026, 1, 1)
    for start in range(0, n, 20_000):
        rows = [{"ticket_id": rng.randint(1, n_tickets), "kind": "customer", "channel": "email",
                 "body_text": " ".join(rng.choices(words, cum_weights=cum, k=rng.randint(8, 40))),
                 "created_at": at} for _ in range(min(20_000, n - start))]
        db.session.execute(table.insert(), rows)
        db.session.commit()


def _time(fn, repeat=REPEAT) -> tuple[float, float]:
    fn()  # warm the page cache
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def _time_pair(fn, other, repeat=REPEAT):
    """_time for two functions, alternating runs so both see the same load."""
    fn(), other()
    samples = ([], [])
    for _ in range(repeat):
        for f, out in ((fn, samples[0]), (other, samples[1])):
            t0 = time.perf_counter()
            f()
            out.append((time.perf_counter() - t0) * 1000)
    return tuple((statistics.median(sorted(s)), sorted(s)[int(len(s) * 0.95) - 1]) for s in samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=os.path.join(ROOT, "bench", "out", "search.db"))
    parser.add_argument("--reuse", action="store_true", help="keep an existing seeded database")
    parser.add_argument("--postgres", metavar="URL", help="time search on PostgreSQL at URL")
    parser.add_argument("--baseline", metavar="REV", help="also time search.py as of git REV")
    args = parser.parse_args()
    os.makedirs(os.path.dirname(args.db), exist_ok=True)
    if not (args.reuse and os.path.exists(args.db)):
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(args.db + suffix):
                os.remove(args.db + suffix)
        import seed
        t0 = time.time()
        seed.seed(args.db, 100_000)
        print(f"seeded 100,000 tickets in {time.time() - t0:.0f}s", flush=True)
    _run(args.db, args.postgres, args.baseline)


def _run(db_path: str, postgres: str | None, baseline: str | None) -> None:
    from flask_migrate import upgrade

    from halo import clock, create_app
    from halo.config import normalise_db_url
    from halo.extensions import db
    from halo.services.inbox import search, segment_counts
    from halo.services.inbox import views as inbox
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + db_path, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()  # a --reuse database seeded before the latest migration
        missing = TOTAL_MESSAGES - db.session.execute(db.text("SELECT count(*) FROM message")).scalar()
        if missing > 0:  # top up to 1,000,000 (also resumes an interrupted --reuse run)
            t0 = time.time()
            _add_zipf_messages(db, missing, 100_000)
            print(f"added {missing:,} Zipf messages in {time.time() - t0:.0f}s", flush=True)
    old = _baseline_module(baseline) if baseline else None
    if postgres:
        app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_db_url(postgres), "SECRET_KEY": "bench"})
        with app.app_context():
            upgrade()
            _copy_to_postgres(db, db_path)
    with app.app_context():
        n_messages = db.session.execute(db.text("SELECT count(*) FROM message")).scalar()
        n_tickets = db.session.execute(db.text("SELECT count(*) FROM ticket")).scalar()
        engine = db.session.get_bind().dialect.name
        print(f"\n{engine}: {n_messages:,} messages, {n_tickets:,} tickets  "
              f"(median / p95 ms, {REPEAT} runs)")
        _search_figures(db, search, old, baseline)
        if not postgres:
            _segment_figures(inbox, segment_counts, clock.now())


COPIED = ("user", "customer", "ticket", "message")


def _copy_to_postgres(db, db_path: str) -> None:
    """Copy the seeded SQLite rows into the migrated PostgreSQL database, unless already there."""
    import sqlite3
    if db.session.execute(db.text("SELECT count(*) FROM message")).scalar() >= TOTAL_MESSAGES:
        return
    src = sqlite3.connect(db_path)
    conn = db.session.connection().connection.dbapi_connection  # psycopg 3: COPY
    cur = conn.cursor()
    cur.execute("SET session_replication_role = replica")  # no FK checks while loading
    for table in reversed(COPIED):
        cur.execute(f'TRUNCATE "{table}" CASCADE')
    for table in COPIED:
        t0 = time.time()
        cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                    "AND is_generated = 'NEVER'", (table,))
        pg_cols = {name for (name,) in cur.fetchall()}
        cols = ", ".join(f'"{c[1]}"' for c in src.execute(f'PRAGMA table_info("{table}")') if c[1] in pg_cols)
        with cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
            for row in src.execute(f'SELECT {cols} FROM "{table}"'):
                copy.write_row(row)
        cur.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'(SELECT max(id) FROM "{table}"))')
        print(f"copied {table} to PostgreSQL in {time.time() - t0:.0f}s", flush=True)
    cur.execute("RESET session_replication_role")
    conn.commit()
    conn.autocommit = True
    conn.execute("VACUUM ANALYZE")  # what autovacuum would have done by the time it mattered
    conn.autocommit = False
    db.session.remove()


def _baseline_module(rev: str):
    """halo/services/search.py as of git rev, importable beside the current one."""
    source = subprocess.run(["git", "-C", ROOT, "show", f"{rev}:halo/services/search.py"],
                            check=True, capture_output=True, text=True).stdout
    spec = importlib.util.spec_from_loader("halo.services._search_baseline", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "halo.services"
    sys.modules[spec.name] = module  # dataclasses look their module up there
    exec(compile(source, f"{rev}:search.py", "exec"), module.__dict__)
    return module


def _search_figures(db, search, old=None, rev=None) -> None:
    postgres = db.session.get_bind().dialect.name == "postgresql"

    def hits(q):
        terms = search.terms_of(q)
        if not terms:
            return 0
        if postgres:
            sql = "SELECT count(*) FROM message WHERE search_vector @@ to_tsquery('simple', :q)"
        else:
            sql = "SELECT count(*) FROM message_fts WHERE message_fts MATCH :q"
        return db.session.execute(db.text(sql), {"q": search.finding.engine_query(terms)}).scalar()
    queries = [("rare word", _word(30_000)), ("medium word", _word(300)), ("common word", _word(3)),
               ("two words", f"{_word(40)} {_word(90)}"), ("prose word", "invoice"),
               ("prose phrase", "password reset"), ("hostile", '"refund NEAR (kettle *')]
    if old:
        print(f"{'':<56}{'now':>17}   {rev:>17}")
    for label, q in queries:
        if old:
            (med, p95), (omed, op95) = _time_pair(lambda: search.search(q), lambda: old.search(q))
            before = f"   {omed:7.1f} / {op95:7.1f}"
        else:
            (med, p95), before = _time(lambda: search.search(q)), ""
        print(f"search  {label:<13} {q[:24]!r:<26} {hits(q):>8,} matching msgs  {med:7.1f} / {p95:7.1f}{before}")
    med, p95 = _time(lambda: db.session.execute(db.text(
        "SELECT * FROM message WHERE ticket_id = :t ORDER BY created_at, id"), {"t": 4242}).all())
    print(f"reference: one ticket's thread by index                          {med:7.1f} / {p95:7.1f}")


def _segment_figures(inbox, segment_counts, now) -> None:
    segments = [("open", "trait=plan%3Apro"), ("all", "channel=chat&lang=de"),
                ("open", "assignee=none&priority=no"), ("all", "status=resolved&created_from=2026-01-01"),
                ("all", "q=invoice")]
    for view, query in segments:
        def cold():
            segment_counts.reset_cache()
            return segment_counts.count_tickets(view, query, 1, now)
        n = cold()
        med, p95 = _time(cold, repeat=10)
        wmed, wp95 = _time(lambda: segment_counts.count_tickets(view, query, 1, now))
        print(f"segment {view}?{query:<40} n={n:>7,}  cold {med:7.1f} / {p95:7.1f}  cached {wmed:6.3f} / {wp95:6.3f}")
    med, p95 = _time(lambda: inbox.view_counts(1, now))
    print(f"reference: sidebar view_counts() from the counter table          {med:7.2f} / {p95:7.2f}")


if __name__ == "__main__":
    main()
