"""Statements and in-process CPU per note post and per reply, through the Flask test client.

    python bench/write_profile.py --db bench/out/bench-100000.db [--n 300] [--profile] [--sql]
    python bench/write_profile.py --url postgresql://halo@127.0.0.1:55400/halo_bench ...

Signs in as the seed's admin and posts through the real route (POST
/tickets/<id>/messages, as the composer does with HTMX), to random seeded tickets other
than the long thread: an internal note (mode "note"; one in five mentions a teammate) and
an email reply (mode "email" on email tickets). Statements are counted with a
before_cursor_execute listener, split at the commit: those of the transaction (the write
and what its hooks add) and those after it (reading back what the returned fragment
shows). CPU is time.process_time per post, best of five batches (other jobs on a shared
machine inflate even CPU time). A reply's delivery job is recorded, not run: sending the
mail is the mail worker's cost, not the request's. --sql prints one post's statements;
--profile runs pyinstrument over the posts of each kind.
"""
import argparse
import os
import random
import re
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(BENCH))
sys.path.insert(0, BENCH)
from seed import BENCH_EMAIL, BENCH_PASSWORD, LONG_THREAD_SUBJECT  # noqa: E402

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class RecordingQueue:
    """Jobs enqueued by the request, kept and not run (the reply's mail is sent elsewhere)."""

    def __init__(self):
        self.jobs = []

    def enqueue(self, path, args, job_id=None, delay=0, retry_intervals=()):
        self.jobs.append(path)

    def stats(self) -> dict:
        return {}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="seeded SQLite file (bench/seed.py)")
    parser.add_argument("--url", help="or a database URL (a PostgreSQL database seeded by bench/seed.py --url)")
    parser.add_argument("--n", type=int, default=300, help="posts of each kind")
    parser.add_argument("--sql", action="store_true", help="print one post's statements")
    parser.add_argument("--profile", action="store_true", help="pyinstrument the posts")
    parser.add_argument("--kinds", default="note,reply")
    args = parser.parse_args()
    url = args.url or "sqlite:///" + os.path.abspath(args.db)
    from sqlalchemy import event

    from halo import create_app
    from halo.extensions import db
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret"})
    app.extensions["halo_queue"] = queue = RecordingQueue()
    client = app.test_client()
    token = TOKEN.search(client.get("/login").text).group(1)
    client.post("/login", data={"email": BENCH_EMAIL, "password": BENCH_PASSWORD, "csrf_token": token})
    with app.app_context():
        long_id = db.session.scalar(db.text("SELECT id FROM ticket WHERE subject = :s"),
                                    {"s": LONG_THREAD_SUBJECT})
        email_ids = [i for (i,) in db.session.execute(db.text(
            "SELECT id FROM ticket WHERE channel = 'email' AND id != :l"), {"l": long_id})]
        all_ids = [i for (i,) in db.session.execute(db.text("SELECT id FROM ticket WHERE id != :l"),
                                                    {"l": long_id})]
        handles = [h for (h,) in db.session.execute(db.text(
            "SELECT handle FROM \"user\" WHERE email != :e AND handle IS NOT NULL"), {"e": BENCH_EMAIL})]
        engine = db.engine
    # A token from the composer (same session, valid for every post of the run).
    token = TOKEN.search(client.get(f"/tickets/{all_ids[0]}/compose/note",
                                    headers={"HX-Request": "true"}).text).group(1)

    phase = {"committed": False, "before": [], "after": [], "on": False}

    def count(_conn, _cursor, statement, _params, _context, _many):
        if phase["on"]:
            phase["after" if phase["committed"] else "before"].append(statement)
    event.listen(engine, "before_cursor_execute", count)
    from sqlalchemy.orm import Session

    def committed(_session):
        if phase["on"]:
            phase["committed"] = True
    event.listen(Session, "after_commit", committed)

    rng = random.Random(11)

    def post(kind: str, i: int) -> int:
        if kind == "note":
            ticket_id = rng.choice(all_ids)
            body = f"Bench note {i}: checking this." + (f" @{rng.choice(handles)} please look." if i % 5 == 0 else "")
            form = {"mode": "note", "body": body}
        else:
            ticket_id = rng.choice(email_ids)
            form = {"mode": "email", "body": f"Bench reply {i}: thanks, this is fixed now."}
        resp = client.post(f"/tickets/{ticket_id}/messages", data={**form, "csrf_token": token},
                           headers={"HX-Request": "true"})
        if resp.status_code != 200:
            sys.exit(f"{kind} post to #{ticket_id} answered {resp.status_code}: {resp.text[:300]}")
        return len(resp.data)

    for kind in args.kinds.split(","):
        for i in range(5):  # warm the process (templates compiled, pieces kept)
            post(kind, i)
        before, after, sizes = [], [], []
        for i in range(args.n):
            phase.update(committed=False, before=[], after=[], on=True)
            sizes.append(post(kind, i))
            phase["on"] = False
            before.append(len(phase["before"]))
            after.append(len(phase["after"]))
            if args.sql and i == 0:
                print(f"--- one {kind} post: {len(phase['before'])} statements up to the commit")
                for s in phase["before"]:
                    print("   ", " ".join(s.split())[:220])
                print(f"--- and {len(phase['after'])} after it")
                for s in phase["after"]:
                    print("   ", " ".join(s.split())[:220])
        each = wall = float("inf")
        batch = max(1, args.n // 5)
        for b in range(5):
            started, cpu = time.perf_counter(), time.process_time()
            for i in range(batch):
                post(kind, 1000 + b * batch + i)
            each = min(each, (time.process_time() - cpu) / batch * 1000)
            wall = min(wall, (time.perf_counter() - started) / batch * 1000)
        n_before, n_after = sum(before) / len(before), sum(after) / len(after)
        print(f"{kind}: {n_before + n_after:.2f} statements per post ({n_before:.2f} in the "
              f"transaction, {n_after:.2f} after the commit), {each:.2f} ms CPU per post "
              f"(wall {wall:.2f} ms), fragment {sum(sizes) / len(sizes) / 1024:.1f} KB, "
              f"{len(queue.jobs)} jobs recorded", flush=True)
        if args.profile:
            from pyinstrument import Profiler
            profiler = Profiler(interval=0.0002)
            profiler.start()
            for i in range(args.n):
                post(kind, 5000 + i)
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
