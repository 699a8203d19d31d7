"""Seed a fresh benchmark database: N tickets with 5 messages each, plus one 100-message thread.

    python bench/seed.py --db bench/out/bench-100000.db --tickets 100000
    python bench/seed.py --url postgresql://halo@127.0.0.1:55400/halo_bench --tickets 100000

--url seeds any database SQLAlchemy reaches (PostgreSQL: the schema "public" is emptied
first, and each table's id sequence moved past the loaded ids afterwards); the same seed
gives the same rows as the SQLite file.

    python bench/seed.py --db FILE --read-mentions 60    # (or --url) no seeding: see read_old_mentions

Rows go in through SQLAlchemy Core executemany in large transactions (the ORM would
take minutes for half a million messages); the counter table is rebuilt at the end,
as every bulk loader that bypasses the ORM must.
"""
import argparse
import os
import random
import sys
import time
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

BENCH_EMAIL = "bench@halo.local"
BENCH_PASSWORD = "bench-password"
LONG_THREAD_SUBJECT = "Benchmark: a 100-message thread"
# Two inboxes, each given to a team: an agent of the first (run.py --sign-in AGENT_EMAIL)
# sees half the tickets, the long thread among them. Tickets alternate by id, so the data
# is otherwise what it was before inboxes existed (no extra draws from the random stream).
INBOXES = {1: "Support", 2: "Billing"}
AGENT_EMAIL = "sara.lindqvist@bench.halo"
AGENTS = ["Sara Lindqvist", "Tom Becker", "Lena Moreau", "Omar Haddad", "Priya Patel",
          "Jonas Wagner", "Aiko Tanaka"]
# (status, weight): most tickets end up resolved; the open bucket is a large minority.
STATUS_WEIGHTS = [("open", 40), ("priority", 10), ("in_progress", 8), ("snoozed", 8),
                  ("resolved", 70), ("spam", 6)]
SUBJECTS = ["Can't log in after password reset", "Invoice shows the wrong VAT number",
            "Export to CSV is missing columns", "Upgrade to annual plan?",
            "Webhook deliveries failing", "Refund for duplicate charge",
            "How do I add a teammate?", "Mobile app crashes on launch", "Data deletion request",
            "Feature request: dark mode", "Shipping to Norway", "API rate limit too low"]
CUSTOMER_LINES = [
    "Hi, I reset my password this morning but the new one is rejected. Can you help?",
    "Our latest invoice has our old VAT number on it; we need a corrected copy.",
    "When I export my orders to CSV the shipping method column is empty.",
    "Thanks, that worked! One more question about the billing date though.",
    "Still seeing the same problem after clearing the cache, screenshots attached.",
]
AGENT_LINES = [
    "Sorry about that! I've cleared the lockout on your account; try again now.",
    "Thanks for flagging it. I've re-issued the invoice; you'll find it under Billing.",
    "Good catch, that column was missing from filtered exports. It's fixed now.",
    "Happy to help. Your billing date moves to the 1st from next month.",
]
NOTE_LINES = ["@{h} can you double-check the billing side before we reply?",
              "Looks like the same bug as last week's ticket; engineering is on it."]
FIRST = ["Ana", "Ben", "Chloe", "Dmitri", "Elif", "Felix", "Grace", "Hiro", "Ines", "Kofi",
         "Laura", "Mateo", "Nadia", "Olga", "Quentin", "Rosa", "Sven", "Tara", "Vera", "Wei"]
LAST = ["Silva", "Okafor", "Dubois", "Ivanov", "Yilmaz", "Wagner", "Kim", "Nilsson", "Mensah",
        "Rossi", "Lopez", "Novak", "Martin", "Costa"]
PLANS = ["free", "starter", "pro", "pro", "enterprise"]
COMPANIES = ["Brightline Studio", "Northwind Bakery", "Kettle & Co", "Orbital Labs",
             "Atlas Logistics", "Muse Records"]
LANGS = ["en", "en", "en", "de", "fr", "es", "pt", "ja"]
CHUNK = 20_000  # tickets per transaction


def main(argv=None) -> None:
    args = _parse(argv)
    if args.read_mentions is not None:
        target = args.url or os.path.abspath(args.db)
        print(read_old_mentions(target, args.read_mentions), flush=True)
        return
    if args.url:
        db_path = url = args.url
        _empty_database(url)
    else:
        db_path = os.path.abspath(args.db)
        url = "sqlite:///" + db_path
        if args.end_snoozes is not None:
            print(end_snoozes(db_path, args.end_snoozes), flush=True)
            return
        if args.wake_ended:
            print(wake_ended(db_path), flush=True)
            return
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db_path + suffix):
                os.remove(db_path + suffix)
        os.makedirs(os.path.dirname(db_path), exist_ok=True)
    started = time.perf_counter()
    summary = seed(url, args.tickets, args.seed)
    took = time.perf_counter() - started
    long_thread = summary.pop("long_thread_id")
    shown = db_path.rsplit("@", 1)[-1]  # a URL without its user
    print(f"Seeded {shown}: " + ", ".join(f"{v} {k}" for k, v in summary.items())
          + f", 100-message ticket #{long_thread}, in {took:.1f}s", flush=True)


def _parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", help="SQLite file to create (replaced if present)")
    where.add_argument("--url", help="or a database URL (PostgreSQL: its tables are dropped first)")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42, help="random seed (repeatable data)")
    parser.add_argument("--end-snoozes", type=int, metavar="N",
                        help="no seeding: snooze N open tickets of the existing database until a "
                             "minute ago (see end_snoozes)")
    parser.add_argument("--wake-ended", action="store_true",
                        help="no seeding: wake the snoozes that have ended, as the schedule's first "
                             "sweep would (see wake_ended)")
    parser.add_argument("--read-mentions", type=int, metavar="K",
                        help="no seeding: leave each teammate only their K newest unread mentions, "
                             "the rest read (see read_old_mentions)")
    return parser.parse_args(argv)


def seed(url: str, n_tickets: int, rng_seed: int = 42) -> dict:
    """Migrate a fresh database (a SQLite path or a URL) and fill it; returns what was made."""
    from flask_migrate import upgrade

    from halo import create_app
    from halo.extensions import db
    from halo.services.inbox.counters import rebuild_counters

    if "://" not in url:
        url = "sqlite:///" + url
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret"})
    with app.app_context():
        upgrade()
        sqlite = db.engine.dialect.name == "sqlite"
        # PostgreSQL's search columns are generated (nothing to suspend).
        fts = _suspend_fts(db) if sqlite else ([], [])
        users = _users()
        _inboxes_and_teams(db, users)
        rng = random.Random(rng_seed)
        n_customers = max(1, n_tickets // 3)
        _insert(db, "customer", _customers(rng, n_customers))
        made = _tickets(db, rng, users, n_tickets, n_customers)
        made["customers"] = n_customers
        made["long_thread_id"] = _long_thread(db, rng, users, n_tickets + 1, made["messages"] + 1)
        _resume_fts(db, fts)
        if not sqlite:
            _move_sequences(db)
        rebuild_counters()
        if sqlite:
            db.session.execute(db.text("PRAGMA wal_checkpoint(TRUNCATE)"))
        else:
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        db.session.remove()
        return made


def _empty_database(url: str) -> None:
    """PostgreSQL: drop everything in the schema "public" (a reseed starts from nothing)."""
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    if engine.dialect.name != "postgresql":
        sys.exit("--url: a PostgreSQL database (for SQLite, give the file with --db)")
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _move_sequences(db) -> None:
    """Rows went in with their ids: move each id sequence past the largest (PostgreSQL)."""
    for table in db.metadata.sorted_tables:
        if "id" not in table.c:
            continue
        seq = db.session.scalar(db.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name})
        if seq:
            db.session.execute(db.text(
                f'SELECT setval(:seq, coalesce((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'),
                {"seq": seq})
    db.session.commit()


SWEEPER_HELD = "bench: sweeper held back"


def end_snoozes(db_path: str, n: int) -> str:
    """The "many snoozes end at once" case: n tickets, spread evenly over the open and
    snoozed ones by id, snoozed until one minute ago, all at the same instant (a team's
    "until Monday 9:00"), and the schedule's lease held for two hours so no sweeper wakes
    them while pages are measured (a worker down or behind). The same tickets are picked
    on every call (open and snoozed stay open or snoozed), so runs can repeat it; the
    sweeper wakes them all on the first run without it (release_sweeper gives the lease up).
    Their last activity is left as seeded, so woken rows fall at every depth of the list."""
    from halo import clock
    from halo.extensions import db
    from halo.models import Lease
    from halo.services.inbox.counters import rebuild_counters
    app = _app(db_path)
    with app.app_context():
        now = clock.now()
        until = now - timedelta(minutes=1)
        admin = db.session.scalar(db.text("SELECT id FROM user WHERE email = :e"), {"e": BENCH_EMAIL})
        ids = [i for (i,) in db.session.execute(db.text(
            "SELECT id FROM ticket WHERE bucket IN ('open', 'snoozed') AND subject != :long "
            "ORDER BY id"), {"long": LONG_THREAD_SUBJECT})]
        step = max(1, len(ids) // max(1, n))
        chosen = ids[::step][:n]
        for start in range(0, len(chosen), 5000):
            db.session.execute(db.text(
                "UPDATE ticket SET status = 'snoozed', bucket = 'snoozed', snoozed_until = :until, "
                "snoozed_by_id = coalesce(assignee_id, :admin) WHERE id = :id"),
                [{"until": until, "admin": admin, "id": i} for i in chosen[start:start + 5000]])
        lease = db.session.get(Lease, "schedule") or Lease(name="schedule")
        lease.holder, lease.expires_at = SWEEPER_HELD, now + timedelta(hours=2)
        db.session.add(lease)
        db.session.commit()
        rebuild_counters()
        due = db.session.scalar(db.text(
            "SELECT count(*) FROM ticket WHERE status = 'snoozed' AND snoozed_until <= :now"), {"now": now})
        db.session.remove()
    return f"{len(chosen)} snoozes set to end at {until:%H:%M:%S} UTC; {due} ended snoozes in all; sweeper held back"


def wake_ended(db_path: str) -> str:
    """Wake the seed's snoozes that have ended by now, as the schedule's first sweep does in
    a served app. Each of them ends at a time of its own, so until then the sidebar's snooze
    counter has a row per ended snooze (8,300 at 1,000,000 tickets): a backlog that only
    a sweeper down for days would leave."""
    from halo.extensions import db
    from halo.services.tickets.snooze import wake_due
    with _app(db_path).app_context():
        woken = wake_due()
        db.session.remove()
    return f"{len(woken)} ended snoozes woken"


def read_old_mentions(target: str, keep: int) -> str:
    """The seed leaves a tenth of all mentions unread, so each teammate's unread mentions
    grow with the ticket table (62 each at 100,000 tickets, 615 at 1,000,000), as if no
    one ever opened a ticket they were mentioned on. A person reads what they are asked
    about; what stays unread is their last few days' worth, whatever the table's size.
    This marks all but each teammate's `keep` newest unread mentions read (with their
    notifications), then recounts (the mention counter and order too). A SQLite path or a URL."""
    from halo import clock
    from halo.extensions import db
    from halo.services.inbox.counters import rebuild_counters
    app = _app(target) if "://" not in target else _app_url(target)
    with app.app_context():
        now = clock.now()
        read = db.session.execute(db.text(
            "UPDATE mention SET read_at = :now WHERE read_at IS NULL AND id NOT IN ("
            " SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY user_id"
            "  ORDER BY created_at DESC, id DESC) AS r FROM mention WHERE read_at IS NULL) ranked"
            " WHERE r <= :keep)"), {"now": now, "keep": keep}).rowcount
        db.session.execute(db.text(
            "UPDATE notification SET read_at = :now WHERE read_at IS NULL AND kind = 'mention' AND NOT EXISTS ("
            " SELECT 1 FROM mention WHERE mention.user_id = notification.user_id"
            " AND mention.ticket_id = notification.ticket_id AND mention.read_at IS NULL)"), {"now": now})
        db.session.commit()
        rebuild_counters()
        db.session.remove()
    return f"{read} mentions marked read; each teammate keeps at most {keep} unread"


def _app_url(url: str):
    from halo import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret"})


def release_sweeper(db_path: str) -> None:
    """Give back the schedule's lease end_snoozes took, so the next run's sweeper wakes them."""
    import sqlite3
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("UPDATE lease SET expires_at = '2000-01-01 00:00:00' WHERE name = 'schedule' "
                     "AND holder = ?", (SWEEPER_HELD,))
    conn.close()


def _app(db_path: str):
    from halo import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + db_path, "SECRET_KEY": "bench-secret"})


def _suspend_fts(db) -> tuple[list[str], list[str]]:
    """Drop the triggers that feed full-text indexes (one FTS insert per row is most of
    the load time); _resume_fts recreates them and rebuilds each index in one pass."""
    rows = db.session.execute(db.text(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'trigger')")).all()
    indexes = [name for kind, name, sql in rows
               if kind == "table" and sql and "USING fts5" in sql and "content=" in sql]
    triggers = [(name, sql) for kind, name, sql in rows
                if kind == "trigger" and any(f"INTO {i}(" in sql for i in indexes)]
    for name, _sql in triggers:
        db.session.execute(db.text(f"DROP TRIGGER {name}"))
    db.session.commit()
    return indexes, [sql for _name, sql in triggers]


def _resume_fts(db, fts) -> None:
    indexes, triggers = fts
    for sql in triggers:
        db.session.execute(db.text(sql))
    for index in indexes:
        db.session.execute(db.text(f"INSERT INTO {index}({index}) VALUES ('rebuild')"))
    db.session.commit()


def _users() -> list:
    from halo.services.accounts.users import create_user
    users = [create_user(BENCH_EMAIL, "Bench Admin", BENCH_PASSWORD, "admin")]
    for name in AGENTS:
        email = name.lower().replace(" ", ".") + "@bench.halo"
        users.append(create_user(email, name, BENCH_PASSWORD, "agent"))
    return [(u.id, u.handle) for u in users]


def _inboxes_and_teams(db, users: list) -> None:
    """Inbox 2 beside the migration's "Support" (1); agents 1-4 work Support, 5-7 Billing."""
    db.session.execute(db.text("INSERT INTO inbox (id, name, signature, created_at) "
                               "VALUES (2, :name, '', CURRENT_TIMESTAMP)"), {"name": INBOXES[2]})
    agents = [uid for uid, _handle in users[1:]]
    for team_id, (inbox_id, name) in enumerate(INBOXES.items(), start=1):
        db.session.execute(db.text("INSERT INTO team (id, name, created_at) VALUES (:id, :name, CURRENT_TIMESTAMP)"),
                           {"id": team_id, "name": f"{name} team"})
        db.session.execute(db.text("INSERT INTO team_inbox (team_id, inbox_id) VALUES (:t, :i)"),
                           {"t": team_id, "i": inbox_id})
        members = agents[:4] if inbox_id == 1 else agents[4:]
        _insert(db, "team_member", [{"team_id": team_id, "user_id": uid} for uid in members])
    db.session.commit()


def _insert(db, table: str, rows: list[dict]) -> None:
    if rows:
        db.session.execute(db.metadata.tables[table].insert(), rows)


def _customers(rng: random.Random, n: int) -> list[dict]:
    from halo import clock
    now = clock.now()
    rows = []
    for i in range(1, n + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows.append({
            "id": i, "email": f"{first.lower()}.{last.lower()}.{i}@example.com",
            "name": f"{first} {last}", "language": rng.choice(LANGS),
            "created_at": now - timedelta(days=rng.randint(30, 900)),
            "traits": {"plan": rng.choice(PLANS), "company": rng.choice(COMPANIES),
                       "seats": rng.randint(1, 40)}})
    return rows


def _tickets(db, rng: random.Random, users: list, n: int, n_customers: int) -> dict:
    """Tickets in chunks, each chunk one transaction with its messages and mentions."""
    from halo import clock
    now = clock.now()
    statuses, weights = zip(*STATUS_WEIGHTS)
    message_id, mentions, made = 0, 0, {"tickets": 0, "messages": 0, "mentions": 0}
    for start in range(1, n + 1, CHUNK):
        tickets, plain, events, mention_rows = [], [], [], []
        for tid in range(start, min(start + CHUNK, n + 1)):
            status = rng.choices(statuses, weights)[0]
            ticket, lines = _ticket(rng, users, tid, status, n_customers, now)
            for kind, body, extra in lines:
                message_id += 1
                row = {"id": message_id, "ticket_id": tid, "kind": kind,
                       "created_at": extra.pop("at")}
                if kind == "event":
                    events.append(row | {"body_text": "", **extra})
                    continue
                plain.append(row | {"body_text": body, "channel": extra.get("channel"),
                                    "author_id": extra.get("author_id"),
                                    "delivery": extra.get("delivery"),
                                    # as ingest stores it (detected once; the lines are English)
                                    "language": "en" if kind == "customer" else None})
                if extra.get("mention"):
                    mentions += 1
                    mention_rows.append({"id": mentions, "user_id": extra["mention"],
                                         "ticket_id": tid, "message_id": message_id,
                                         "created_at": row["created_at"],
                                         "read_at": None if rng.random() < 0.1 else now})
            tickets.append(ticket)
        for table, rows in (("ticket", tickets), ("message", plain), ("message", events),
                            ("mention", mention_rows)):
            _insert(db, table, rows)
        db.session.commit()
        made["tickets"] += len(tickets)
        made["messages"] += len(plain) + len(events)
        made["mentions"] += len(mention_rows)
    return made


def _ticket(rng, users, tid, status, n_customers, now):
    """One ticket row and its five thread lines (customer, agent, customer, note/agent, event)."""
    from halo.models import BUCKETS
    channel = "email" if rng.random() < 0.65 else "chat"
    assigned = {"open": 0.6, "priority": 0.8, "in_progress": 1.0, "snoozed": 1.0,
                "resolved": 0.9, "spam": 0.0}[status]
    assignee = rng.choice(users)[0] if rng.random() < assigned else None
    agent = assignee or rng.choice(users)[0]
    created = now - timedelta(days=365 * rng.random() ** 1.5, minutes=30)
    at = [created]
    for _ in range(4):
        at.append(min(now, at[-1] + timedelta(minutes=rng.randint(1, 600))))
    lines = [("customer", rng.choice(CUSTOMER_LINES), {"at": at[0], "channel": channel}),
             ("agent", rng.choice(AGENT_LINES),
              {"at": at[1], "channel": channel, "author_id": agent, "delivery": "sent"}),
             ("customer", rng.choice(CUSTOMER_LINES), {"at": at[2], "channel": channel})]
    if tid % 10 == 0:
        mentioned, note = rng.choice(users), rng.choice(NOTE_LINES)
        lines.append(("note", note.format(h=mentioned[1]),
                      {"at": at[3], "author_id": agent,
                       "mention": mentioned[0] if "{h}" in note else None}))
    else:
        lines.append(("agent", rng.choice(AGENT_LINES),
                      {"at": at[3], "channel": channel, "author_id": agent, "delivery": "sent"}))
    snoozed_until = None
    if status == "snoozed":
        # Most snoozes lie ahead; some have ended and wait to be woken at query time.
        ahead = rng.random() < 0.85
        snoozed_until = now + timedelta(hours=rng.randint(1, 24 * 14)) if ahead else at[4]
    data = {"from": "open", "to": status}
    if snoozed_until:
        data["until"] = snoozed_until.isoformat()
    lines.append(("event", "", {"at": at[4], "author_id": agent, "event_type": "status",
                                "event_data": data}))
    preview = lines[3][1] if lines[3][0] != "note" else lines[2][1]
    ticket = {"id": tid, "subject": rng.choice(SUBJECTS), "customer_id": rng.randint(1, n_customers),
              "channel": channel, "status": status, "bucket": BUCKETS[status],
              "assignee_id": assignee, "snoozed_until": snoozed_until,
              "snoozed_by_id": agent if snoozed_until else None,
              "preview": " ".join(preview.split())[:200], "created_at": created,
              "last_activity_at": at[4], "inbox_id": 1 + tid % 2}
    return ticket, lines


def _long_thread(db, rng, users, tid, first_message_id) -> int:
    """The ticket-page benchmark's ticket: 100 lines of every kind, the latest activity."""
    from halo import clock
    now = clock.now()
    start = now - timedelta(days=3)
    plain, events = [], []
    for i in range(100):
        row = {"id": first_message_id + i, "ticket_id": tid, "created_at": start + timedelta(minutes=40 * i)}
        agent = users[i % len(users)][0]
        if i % 10 == 9:
            event_type, data = (("status", {"from": "open", "to": "priority"}) if i % 20 == 9
                                else ("assignment", {"from": None, "to": agent}))
            events.append(row | {"kind": "event", "body_text": "", "author_id": agent,
                                 "event_type": event_type, "event_data": data})
        else:
            kind = ("customer", "agent", "note")[i % 3] if i % 10 != 0 else "customer"
            body = {"customer": CUSTOMER_LINES, "agent": AGENT_LINES,
                    "note": [n.format(h=users[1][1]) for n in NOTE_LINES]}[kind][i % 2]
            plain.append(row | {"kind": kind, "body_text": body,
                                "channel": None if kind == "note" else "email",
                                "author_id": None if kind == "customer" else agent,
                                "delivery": "sent" if kind == "agent" else None,
                                "language": "en" if kind == "customer" else None})
    _insert(db, "ticket", [{
        "id": tid, "subject": LONG_THREAD_SUBJECT, "customer_id": 1, "channel": "email",
        "status": "priority", "bucket": "open", "assignee_id": users[0][0],
        "snoozed_until": None, "snoozed_by_id": None, "preview": plain[-1]["body_text"][:200],
        "inbox_id": 1,
        "created_at": start, "last_activity_at": start + timedelta(minutes=40 * 99)}])
    _insert(db, "message", plain)
    _insert(db, "message", events)
    db.session.commit()
    return tid


if __name__ == "__main__":
    main()
