"""The reports over 100,000 tickets, cold, on SQLite and PostgreSQL, beside a reference.

    .venv/bin/python bench/reports.py                                  # both engines, seeds if missing
    .venv/bin/python bench/reports.py --engines sqlite --runs 7
    .venv/bin/python bench/reports.py --pg postgresql://halo@127.0.0.1:55400/halo_reports_bench --reseed

The seed (bench/seed.py's tickets and threads: 5 lines each, statuses, channels, assignees
over 8 teammates, two inboxes) plus what the reports read: one SLA policy (first response
4 h, resolution 24 h) with each ticket's stored clock row, an sla_breach line wherever a
clock passed its target (the reply came later than 4 h, the resolve later than 24 h, or the
ticket still waits past 24 h), tags on 60% of tickets (one or two of 8), and a CSAT survey
on every resolved email or chat ticket, 30% answered (Good 75%, Okay 15%, Not good 10%).

Each run is a fresh process with a fresh connection: the first call is timed (cold), then
a second (warm). What is timed: the overview page's report (this period and the one before:
volume by day and channel, first response and resolution median and p90, SLA achievement,
CSAT, backlog) for the last 30 days, then each page per teammate, tag and inbox. The
reference, in its own fresh process in the same run: `SELECT count(*)` of tickets and one
GROUP BY over every thread line (`SELECT kind, count(*) FROM message GROUP BY kind`).
Figures are medians over --runs; results to stdout.
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PG_DEFAULT = "postgresql://halo@127.0.0.1:55400/halo_reports_bench"
TAGS = ["billing", "bug", "refund", "onboarding", "vip", "feature-request", "shipping", "api"]
FIRST_RESPONSE_H, RESOLUTION_H = 4, 24


def main(argv=None) -> None:
    args = _parse(argv)
    if args.child:
        print(json.dumps(_child(args.url, args.child)))
        return
    urls = {"sqlite": "sqlite:///" + os.path.abspath(f"bench/out/reports-{args.tickets}.db"), "postgresql": args.pg}
    for engine in args.engines.split(","):
        url = urls[engine]
        if args.reseed or not _seeded(url, args.tickets):
            started = time.perf_counter()
            made = seed(url, args.tickets)
            print(f"{engine}: seeded {made} in {time.perf_counter() - started:.0f} s", flush=True)
        results = {"reference": [], "overview": []}
        for _ in range(args.runs):
            for what in results:
                results[what].append(_spawn(url, what))
        ref = statistics.median(r["cold"] for r in results["reference"])
        load = os.getloadavg()[0]
        print(f"\n{engine}, {args.tickets} tickets, median of {args.runs} fresh processes (seconds), load {load:.1f}:")
        print(f"  reference (count + GROUP BY kind), cold   {ref:.3f}")
        for key in results["overview"][0]:
            value = statistics.median(r[key] for r in results["overview"])
            print(f"  {key:<42} {value:.3f}   x{value / ref:.1f} reference")
        sys.stdout.flush()


def _parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--pg", default=PG_DEFAULT, help="an empty PostgreSQL database of your own")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _spawn(url: str, what: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", what, "--url", url],
                         check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _app(url: str):
    from halo import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret"})


def _child(url: str, what: str) -> dict:
    """In a fresh process: time the first call (cold: a new connection) and a second."""
    from halo.extensions import db
    app = _app(url)
    with app.app_context():
        if what == "reference":
            def run():
                db.session.execute(db.text("SELECT count(*) FROM ticket")).scalar()
                db.session.execute(db.text("SELECT kind, count(*) FROM message GROUP BY kind")).all()
            started = time.perf_counter()
            run()
            cold = time.perf_counter() - started
            return {"cold": cold}
        from halo.services.reports import breakdown, overview
        from halo.services.reports.overview import parse_period
        period = parse_period(None, None)
        out = {}
        started = time.perf_counter()
        overview.compare(period)
        out["overview, cold (first call, new connection)"] = time.perf_counter() - started
        started = time.perf_counter()
        overview.compare(period)
        out["overview, warm (second call)"] = time.perf_counter() - started
        for dim in ("teammate", "tag", "inbox"):
            started = time.perf_counter()
            breakdown.report(period, dim)
            out[f"per {dim} (both periods)"] = time.perf_counter() - started
        return out


def _seeded(url: str, n: int) -> bool:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError
    if url.startswith("sqlite:///") and not os.path.exists(url[len("sqlite:///"):]):
        return False
    try:
        with create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)).connect() as conn:
            return conn.execute(text("SELECT count(*) FROM csat_survey")).scalar() > 0 and conn.execute(
                text("SELECT count(*) FROM ticket")).scalar() == n
    except SQLAlchemyError:
        return False


def _reset(url: str) -> None:
    """Start from an empty database: remove the SQLite file, or drop PostgreSQL's schema."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return
    from sqlalchemy import create_engine, text
    with create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)).begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


def seed(url: str, n: int, rng_seed: int = 42) -> dict:
    """Migrate an empty database and fill it (tickets and threads as bench/seed.py makes them)."""
    from flask_migrate import upgrade

    from bench import seed as core
    from halo import clock
    from halo.extensions import db
    from halo.services.inbox.counters import rebuild_counters

    _reset(url)
    app = _app(url)
    sqlite = url.startswith("sqlite")
    with app.app_context():
        upgrade()
        fts = core._suspend_fts(db) if sqlite else None
        users = core._users()
        core._inboxes_and_teams(db, users)
        rng = random.Random(rng_seed)
        n_customers = max(1, n // 3)
        core._insert(db, "customer", core._customers(rng, n_customers))
        db.session.execute(db.text(
            "INSERT INTO sla_policy (id, name, position, active, first_response_minutes, resolution_minutes, "
            "priority_only, escalate, created_at) VALUES (1, 'Standard', 0, :t, :fr, :res, :f, :f, CURRENT_TIMESTAMP)"),
            {"t": True, "f": False, "fr": FIRST_RESPONSE_H * 60, "res": RESOLUTION_H * 60})
        core._insert(db, "tag", [{"id": i, "name": t, "name_key": t, "created_at": clock.now()}
                                 for i, t in enumerate(TAGS, start=1)])
        made = _tickets(db, rng, users, n, n_customers)
        if fts:
            core._resume_fts(db, fts)
        rebuild_counters()
        if not sqlite:
            for table in ("customer", "ticket", "message", "tag", "csat_survey", "sla_policy", "team", "inbox",
                          "mention"):
                db.session.execute(db.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        db.session.commit()
        db.session.remove()
    if not sqlite:  # what autovacuum does to a database in use: statistics, the visibility map
        from sqlalchemy import create_engine, text
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return made


def _tickets(db, rng, users, n, n_customers) -> dict:
    from bench import seed as core
    from halo import clock
    now = clock.now()
    statuses, weights = zip(*core.STATUS_WEIGHTS)
    message_id = mentions = 0
    made = {"tickets": 0, "messages": 0, "breaches": 0, "tagged": 0, "surveys": 0, "answers": 0}
    for start in range(1, n + 1, core.CHUNK):
        rows = {"ticket": [], "message": [], "events": [], "mention": [], "ticket_tag": [], "ticket_sla": [],
                "csat_survey": []}
        for tid in range(start, min(start + core.CHUNK, n + 1)):
            status = rng.choices(statuses, weights)[0]
            ticket, lines = core._ticket(rng, users, tid, status, n_customers, now)
            first_at, reply_at, done_at = lines[0][2]["at"], lines[1][2]["at"], lines[-1][2]["at"]
            for kind, body, extra in lines:
                message_id += 1
                row = {"id": message_id, "ticket_id": tid, "kind": kind, "created_at": extra.pop("at")}
                if kind == "event":
                    rows["events"].append(row | {"body_text": "", **extra})
                    continue
                rows["message"].append(row | {"body_text": body, "channel": extra.get("channel"),
                                              "author_id": extra.get("author_id"), "delivery": extra.get("delivery"),
                                              "language": "en" if kind == "customer" else None})
                if extra.get("mention"):
                    mentions += 1
                    rows["mention"].append({"id": mentions, "user_id": extra["mention"], "ticket_id": tid,
                                            "message_id": message_id, "created_at": row["created_at"],
                                            "read_at": now})
            for clock_name, due, ended in _breaches(first_at, reply_at, done_at, status, now):
                if ended is None or ended > due:
                    message_id += 1
                    made["breaches"] += 1
                    rows["events"].append({"id": message_id, "ticket_id": tid, "kind": "event", "body_text": "", "author_id": None,
                                           "created_at": due, "event_type": "sla_breach",
                                           "event_data": {"clock": clock_name, "due_at": due.isoformat(),
                                                          "policy": "Standard"}})
            rows["ticket_sla"].append({"ticket_id": tid, "policy_id": 1, "due_at": None, "due_clock": None,
                                       "breach_due_at": None, "thread_rev": 0, "computed_at": now})
            if rng.random() < 0.6:
                made["tagged"] += 1
                for tag_id in rng.sample(range(1, len(TAGS) + 1), rng.choice((1, 1, 2))):
                    rows["ticket_tag"].append({"ticket_id": tid, "tag_id": tag_id})
            if status == "resolved":
                made["surveys"] += 1
                survey = {"id": made["surveys"], "ticket_id": tid, "channel": ticket["channel"],
                          "offered_at": done_at, "email_attempts": 0, "comment": "", "rating": None,
                          "rated_at": None, "rated_via": None}
                if rng.random() < 0.3:
                    made["answers"] += 1
                    survey |= {"rating": rng.choices(("good", "okay", "bad"), (75, 15, 10))[0],
                               "rated_at": min(now, done_at + timedelta(hours=rng.randint(1, 48))),
                               "rated_via": ticket["channel"]}
                rows["csat_survey"].append(survey)
            rows["ticket"].append(ticket)
        for table in ("ticket", "message", "events", "mention", "ticket_tag", "ticket_sla", "csat_survey"):
            core._insert(db, "message" if table == "events" else table, rows[table])
        db.session.commit()
        made["tickets"] += len(rows["ticket"])
        made["messages"] += len(rows["message"]) + len(rows["events"])
    return made


def _breaches(first_at, reply_at, done_at, status, now):
    """(clock, due, when it ended or None while it runs) for each clock of a seeded ticket."""
    yield "first_response", first_at + timedelta(hours=FIRST_RESPONSE_H), reply_at
    due = first_at + timedelta(hours=RESOLUTION_H)
    if status == "resolved":
        yield "resolution", due, done_at
    elif status not in ("spam",) and due < now:
        yield "resolution", due, None


if __name__ == "__main__":
    main()
