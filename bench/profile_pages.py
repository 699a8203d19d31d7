"""Time and profile Halo's benchmark pages in-process (no server), to find where time goes.

    python bench/profile_pages.py --db bench/out/bench-100000.db [--n 200] [--profile] [--cold]
                                  [--sign-in EMAIL] [--views] [--explain] [--paths PATH...]

--cold empties the per-process caches of rendered pieces (halo/services/stamps.py, and the
sidebar's view list in halo/web.py, the counts in halo/services/inbox/sidebar.py) before
every request: the cost of a page whose rows or thread have just changed.

--views times every inbox view instead (each of VIEWS, the SLA sort of each listing view,
the SLA filters, the sidebar counts alone); --explain prints, per page, the SQLite plan of
every statement whose plan scans a table or sorts in a temporary B-tree (what grows).
"""
import argparse
import os
import re
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(BENCH))
sys.path.insert(0, BENCH)
from seed import BENCH_EMAIL, BENCH_PASSWORD, LONG_THREAD_SUBJECT  # noqa: E402

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def main() -> None:
    parser = argparse.ArgumentParser()
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", help="a seeded SQLite file")
    where.add_argument("--url", help="or a seeded database's URL (PostgreSQL)")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="pyinstrument each page")
    parser.add_argument("--cold", action="store_true", help="no kept pieces: every request renders")
    parser.add_argument("--sign-in", default=BENCH_EMAIL, metavar="EMAIL",
                        help="the teammate whose pages are timed (seed.AGENT_EMAIL: an agent of one inbox)")
    parser.add_argument("--views", action="store_true", help="every inbox view, not the two pages")
    parser.add_argument("--explain", action="store_true", help="the plans of each page's statements")
    parser.add_argument("--paths", nargs="+", metavar="PATH", help="these pages only (e.g. /inbox/mentions)")
    args = parser.parse_args()
    from halo import create_app
    from halo.extensions import db
    from halo.services.inbox import stamps
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url or "sqlite:///" + os.path.abspath(args.db),
                      "SECRET_KEY": "bench-secret"})
    client = app.test_client()
    if args.cold:
        get = client.get

        from halo import kept_pages, web
        from halo.services.inbox import sidebar

        def cold_get(path):
            stamps.pieces.clear()
            kept_pages.pages.clear()
            web._COUNTS_NAVS.clear()
            sidebar._KEPT.clear()  # a write moves the stamp the counts are kept under too
            return get(path)
        client.get = cold_get
    token = TOKEN.search(client.get("/login").text).group(1)
    client.post("/login", data={"email": args.sign_in, "password": BENCH_PASSWORD, "csrf_token": token})
    with app.app_context():
        long_id = db.session.scalar(db.text("SELECT id FROM ticket WHERE subject = :s"),
                                    {"s": LONG_THREAD_SUBJECT})
    paths = view_paths() if args.views else ("/inbox/open", f"/tickets/{long_id}")
    if args.paths:
        paths = args.paths
    for path in paths:
        assert client.get(path).status_code == 200, path
        if args.explain:
            explain(app, client, path)
        # CPU time, not wall time: on a shared machine the wall clock counts other jobs.
        # The best of five batches: other jobs inflate even CPU time (shared caches, SMT).
        each = wall = float("inf")
        for _ in range(5):
            started, cpu = time.perf_counter(), time.process_time()
            for _ in range(max(1, args.n // 5)):
                client.get(path)
            each = min(each, (time.process_time() - cpu) / max(1, args.n // 5) * 1000)
            wall = min(wall, (time.perf_counter() - started) / max(1, args.n // 5) * 1000)
        print(f"{path}: {each:.2f} ms CPU per request ({1000 / each:.0f}/s on one core;"
              f" wall {wall:.2f} ms)")
        if args.profile:
            from pyinstrument import Profiler
            profiler = Profiler(interval=0.0002)
            profiler.start()
            for _ in range(args.n):
                client.get(path)
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))


def view_paths() -> list[str]:
    """Every inbox view, the SLA sort of each, the SLA filters and the counts alone."""
    from halo.services.inbox.filters import SLA
    from halo.services.inbox.views import VIEWS
    return ([f"/inbox/{v}" for v in VIEWS] + [f"/inbox/{v}?sort=sla" for v in VIEWS]
            + [f"/inbox/open?sla={s}" for s in SLA] + ["/inbox/counts"])


def explain(app, client, path) -> None:
    """Print the plan lines of the page's statements that scan a table or sort."""
    from sqlalchemy import event

    from halo.extensions import db
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    with engine.connect() as conn:
        for statement, parameters in seen:
            if engine.dialect.name == "postgresql":
                plan = [r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters)]
                grows = _postgresql_grows(plan)
            else:
                plan = [r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
                grows = _sqlite_grows(plan)
            if grows:
                print(f"  {path}: {' '.join(statement.split())[:160]}")
                print("    " + "\n    ".join(plan))


def _postgresql_grows(plan: list[str]) -> bool:
    """A sequential scan or a sort of more than a thousand rows (as estimated)."""
    for line in plan:
        found = re.search(r"(Seq Scan on \w+|Sort) .*rows=(\d+)", line)
        if found and int(found.group(2)) > 1000:
            return True
    return False


def _sqlite_grows(plan: list[str]) -> bool:
    """A scan of a big table, or a sort after reading the ticket table by a range (not by
    a row id): what grows with the ticket count."""
    big = re.compile(r"SCAN (ticket|ticket_sla|message|customer|mention|notification)\b")
    ranged = any(re.match(r"(SCAN|SEARCH) ticket\b", line) and "rowid=?" not in line for line in plan)
    return any(big.match(line) or ("TEMP B-TREE" in line and ranged) for line in plan)


if __name__ == "__main__":
    main()
