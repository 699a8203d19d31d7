"""The search results page beside the inbox page, in-process CPU and statements per request,
now and (optionally) as another worktree has it, runs alternating in the same run.

    .venv/bin/python bench/search_pages.py --db bench/out/search.db [--before /work/wt-search-before]
        [--postgres postgresql://USER@HOST:PORT/DB] [--sign-in EMAIL] [--n 40] [--profile PATH]

Seed the database first with bench/search_bench.py (100,000 tickets, 1,000,000 messages;
--postgres there copies them into PostgreSQL). Each tree is timed in a worker process of
its own (this file, run with --worker ROOT): the Flask test client, signed in, as
bench/profile_pages.py does for the inbox. The driver asks each worker in turn for one
batch of each page, so both trees share the machine's load; figures are the best batch's
CPU ms per request (CPU time, not wall: other jobs on a shared machine inflate the wall
clock), the same batch's wall ms (on PostgreSQL the server's work shows only there) and the
statements each request ran.

Pages: the inbox (/inbox/open) and search results for several queries, each
  cold   the kept pieces (halo/services/inbox/stamps.py) emptied before every request: the
         cost of the first search after any write to a ticket, message or customer
  warm   the same request repeated, nothing written between
--profile QUERY pyinstruments the cold search page for QUERY (this tree only).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
QUERIES = ("invoice", "password reset", "refund", "gax", "tofax", "calogax", "zz-no-match-zz")
# (gax, tofax, calogax: a very common, a medium and a rare word of search_bench.py's Zipf messages)
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def worker(root: str, db_url: str, email: str) -> None:
    """Serve batches to the driver: reads 'path cold|warm n' lines, answers JSON lines."""
    sys.path[:0] = [root, BENCH]
    from seed import BENCH_PASSWORD
    from sqlalchemy import event

    from halo import create_app
    from halo.extensions import db
    from halo.services.inbox import stamps
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "bench-secret"})
    statements = [0]
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.__setitem__(0, statements[0] + 1))
    client = app.test_client()
    token = TOKEN.search(client.get("/login").text).group(1)
    client.post("/login", data={"email": email, "password": BENCH_PASSWORD, "csrf_token": token})
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        path, mode, n = line.split()
        response = client.get(path)  # warms the kept pieces (and the page cache)
        assert response.status_code == 200, (path, response.status_code)
        body = response.text
        n, before = int(n), statements[0]
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(n):
            if mode == "cold":
                stamps.pieces.clear()
                getattr(stamps, "search_results", stamps.pieces).clear()
            client.get(path)
        cpu = (time.process_time() - cpu) / n * 1000
        wall = (time.perf_counter() - wall) / n * 1000
        hits = len(re.findall(r'class="search-hit"', body))
        print(json.dumps({"cpu": cpu, "wall": wall, "statements": (statements[0] - before) / n, "hits": hits,
                          "digest": _digest(body)}), flush=True)


def _digest(body: str) -> str:
    """The results part of a search page (hits in order, marks, snippets), hashed."""
    import hashlib
    start = body.find('<div id="search-results">')
    part = body[start:body.find("</ol>", start)] if start >= 0 else ""
    return hashlib.sha1(part.encode()).hexdigest()[:12]


class Worker:
    def __init__(self, root: str, db_url: str, email: str):
        self.root = root
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker", root,
                                      "--db-url", db_url, "--sign-in", email],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=root)
        assert json.loads(self.proc.stdout.readline())["ready"]

    def batch(self, path: str, mode: str, n: int) -> dict:
        self.proc.stdin.write(f"{path} {mode} {n}\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=os.path.join(BENCH, "out", "search.db"))
    parser.add_argument("--postgres", metavar="URL")
    parser.add_argument("--before", metavar="WORKTREE", help="also time this tree, alternating")
    parser.add_argument("--sign-in", default=None, metavar="EMAIL")
    parser.add_argument("--n", type=int, default=40, help="requests per batch")
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--profile", metavar="QUERY")
    parser.add_argument("--worker", metavar="ROOT", help=argparse.SUPPRESS)
    parser.add_argument("--db-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, BENCH)
    from seed import BENCH_EMAIL
    email = args.sign_in or BENCH_EMAIL
    if args.worker:
        return worker(args.worker, args.db_url, email)
    db_url = args.postgres.replace("postgresql://", "postgresql+psycopg://", 1) if args.postgres \
        else "sqlite:///" + os.path.abspath(args.db)
    if args.profile:
        return profile(db_url, email, args.profile, args.n)
    _stamped(db_url)
    from urllib.parse import quote
    trees = {"now": Worker(os.path.dirname(BENCH), db_url, email)}
    if args.before:
        trees["before"] = Worker(os.path.abspath(args.before), db_url, email)
    pages = [("/inbox/open", "warm"), ("/inbox/open", "cold")] + [
        (f"/search?q={quote(q)}", mode) for q in QUERIES for mode in ("cold", "warm")]
    best = {}
    for _ in range(args.batches):
        for path, mode in pages:
            for name, tree in trees.items():
                got = tree.batch(path, mode, args.n if mode == "warm" else max(4, args.n // 4))
                key = (path, mode, name)
                if key not in best or got["cpu"] < best[key]["cpu"]:
                    best[key] = got
    print(f"{'page':<34}{'mode':<6}" + "".join(f"{name + ' ms CPU':>16}{'wall':>7}{'stmts':>7}" for name in trees)
          + ("   hits  same results" if args.before else "   hits"))
    for path, mode in pages:
        row = [best[(path, mode, name)] for name in trees]
        same = "" if len(row) == 1 or "search" not in path else (
            "   yes" if row[0]["digest"] == row[1]["digest"] else "   DIFFER")
        print(f"{path:<34}{mode:<6}" + "".join(f"{r['cpu']:>16.2f}{r['wall']:>7.2f}{r['statements']:>7.1f}" for r in row)
              + (f"{row[0]['hits']:>7}{same}" if "search" in path else ""))
    for tree in trees.values():
        tree.close()


def _stamped(db_url: str) -> None:
    """Give the database its change stamps, as any write would have (a copy loaded by COPY, as
    search_bench.py --postgres makes, has none, and no page keeps anything without them)."""
    sys.path.insert(0, os.path.dirname(BENCH))
    from halo import create_app
    from halo.extensions import db
    from halo.models import ChangeStamp
    from halo.services.inbox import stamps
    with create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "bench-secret"}).app_context():
        if db.session.query(ChangeStamp).count() < len(stamps.SCOPES):
            stamps.bump(db.session, *stamps.SCOPES)
            db.session.commit()


def profile(db_url: str, email: str, query: str, n: int) -> None:
    sys.path.insert(0, os.path.dirname(BENCH))
    from pyinstrument import Profiler
    from seed import BENCH_PASSWORD

    from halo import create_app
    from halo.services.inbox import stamps
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "bench-secret"})
    client = app.test_client()
    token = TOKEN.search(client.get("/login").text).group(1)
    client.post("/login", data={"email": email, "password": BENCH_PASSWORD, "csrf_token": token})
    from urllib.parse import quote
    path = f"/search?q={quote(query)}"
    client.get(path)
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for _ in range(n):
        stamps.pieces.clear()
        stamps.search_results.clear()
        client.get(path)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
