"""Search at 1,000,000 messages and segment counts at 100,000 tickets, each beside a reference.

    .venv/bin/python bench/search_bench.py [--db bench/out/search.db] [--reuse]

Seeds 100,000 tickets with bench/seed.py (500,000 messages of support prose), then adds
500,000 messages drawn from a Zipf-distributed 40,000-word vocabulary so words have
realistic frequencies (a few very common, most rare): 1,000,000 messages in all, every
one indexed through the FTS5 triggers. Then times, in the same process and run:
  search   search.search() for rare, medium, common and multi-word queries, and hostile
           input; reference: the indexed thread lookup the ticket page does.
  segments count_tickets() for several segments, cold (cache cleared) and warm;
           reference: view_counts(), the sidebar's counter-table read.
Figures: median and p95 in milliseconds over REPEAT runs.
"""
import argparse
import os
import random
import statistics
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=os.path.join(ROOT, "bench", "out", "search.db"))
    parser.add_argument("--reuse", action="store_true", help="keep an existing seeded database")
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
    _run(args.db)


def _run(db_path: str) -> None:
    from halo import clock, create_app
    from halo.extensions import db
    from halo.services import inbox, search, segment_counts
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + db_path, "SECRET_KEY": "bench"})
    with app.app_context():
        missing = TOTAL_MESSAGES - db.session.execute(db.text("SELECT count(*) FROM message")).scalar()
        if missing > 0:  # top up to 1,000,000 (also resumes an interrupted --reuse run)
            t0 = time.time()
            _add_zipf_messages(db, missing, 100_000)
            print(f"added {missing:,} Zipf messages in {time.time() - t0:.0f}s", flush=True)
        n_messages = db.session.execute(db.text("SELECT count(*) FROM message")).scalar()
        n_tickets = db.session.execute(db.text("SELECT count(*) FROM ticket")).scalar()
        print(f"\n{n_messages:,} messages, {n_tickets:,} tickets  (median / p95 ms, {REPEAT} runs)")
        _search_figures(db, search)
        _segment_figures(inbox, segment_counts, clock.now())


def _search_figures(db, search) -> None:
    def hits(q):
        return db.session.execute(db.text(
            "SELECT count(*) FROM message_fts WHERE message_fts MATCH :q"),
            {"q": search._fts5_query(search.terms_of(q))}).scalar()
    queries = [("rare word", _word(30_000)), ("medium word", _word(300)), ("common word", _word(3)),
               ("two words", f"{_word(40)} {_word(90)}"), ("prose word", "invoice"),
               ("prose phrase", "password reset"), ("hostile", '"refund NEAR (kettle *')]
    for label, q in queries:
        med, p95 = _time(lambda: search.search(q))
        print(f"search  {label:<13} {q[:24]!r:<26} {hits(q):>8,} matching msgs  {med:7.1f} / {p95:7.1f}")
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
