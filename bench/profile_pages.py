"""Time and profile Halo's benchmark pages in-process (no server), to find where time goes.

    python bench/profile_pages.py --db bench/out/bench-100000.db [--n 200] [--profile] [--cold]
                                  [--sign-in EMAIL]

--cold empties the per-process cache of rendered pieces (halo/services/stamps.py) before
every request: the cost of a page whose rows or thread have just changed.
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
    parser.add_argument("--db", required=True)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="pyinstrument each page")
    parser.add_argument("--cold", action="store_true", help="no kept pieces: every request renders")
    parser.add_argument("--sign-in", default=BENCH_EMAIL, metavar="EMAIL",
                        help="the teammate whose pages are timed (seed.AGENT_EMAIL: an agent of one inbox)")
    args = parser.parse_args()
    from halo import create_app
    from halo.extensions import db
    from halo.services.inbox import stamps
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.abspath(args.db),
                      "SECRET_KEY": "bench-secret"})
    client = app.test_client()
    if args.cold:
        get = client.get

        def cold_get(path):
            stamps.pieces.clear()
            return get(path)
        client.get = cold_get
    token = TOKEN.search(client.get("/login").text).group(1)
    client.post("/login", data={"email": args.sign_in, "password": BENCH_PASSWORD, "csrf_token": token})
    with app.app_context():
        long_id = db.session.scalar(db.text("SELECT id FROM ticket WHERE subject = :s"),
                                    {"s": LONG_THREAD_SUBJECT})
    for path in ("/inbox/open", f"/tickets/{long_id}"):
        assert client.get(path).status_code == 200
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


if __name__ == "__main__":
    main()
