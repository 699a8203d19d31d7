"""Contacts at scale: the customers list, search, trait filter and companies over N customers.

    .venv/bin/python bench/customers_bench.py --customers 100000 [--db postgresql://...]

Seeds a fresh database (SQLite file under bench/out/ unless --db names one) with N customers
(a third on free-mail domains, traits plan/company on some) and two tickets each, then times
each service call cold-ish (first run) and as the median of 5, beside a reference query
measured in the same run: 50 customers by primary key, the cheapest page SQL can give.
"""
import argparse
import random
import statistics
import time
from datetime import datetime, timedelta
from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import insert, select, text

from halo import create_app
from halo.extensions import db
from halo.models import Customer, Inbox, Ticket
from halo.services.accounts.users import create_user
from halo.services.customers import companies, listing

PLANS = ("free", "pro", "enterprise")
DOMAINS = ["gmail.com", "outlook.com"] + [f"firm{n}.test" for n in range(2000)]


def seed(n: int) -> int:
    rng = random.Random(7)
    start = datetime(2026, 1, 1)
    inbox = db.session.scalar(select(Inbox.id).limit(1))
    for base in range(0, n, 20000):
        rows = [{"id": i + 1, "email": f"c{i}@{rng.choice(DOMAINS)}", "name": f"Customer {i}", "language": "en",
                 "traits": {"plan": rng.choice(PLANS), **({"company": f"Co {i % 500}"} if i % 7 == 0 else {})},
                 "created_at": start} for i in range(base, min(n, base + 20000))]
        db.session.execute(insert(Customer), rows)
        tickets = [{"customer_id": r["id"], "subject": "Help", "inbox_id": inbox, "channel": "email",
                    "status": "open", "bucket": "open", "preview": "", "ai_paused": False, "thread_rev": 0,
                    "created_at": start, "last_activity_at": start + timedelta(minutes=rng.randrange(500000))}
                   for r in rows for _ in range(2)]
        db.session.execute(insert(Ticket), tickets)
        db.session.commit()
    return create_user("bench@example.com", "Bench", "password123", "admin").id


def timed(fn) -> tuple[float, float]:
    t0 = time.perf_counter()
    fn()
    cold = time.perf_counter() - t0
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return cold, statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100000)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    url = args.db
    if url is None:
        path = Path("bench/out") / f"customers-{args.customers}.db"
        path.parent.mkdir(exist_ok=True)
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path.resolve()}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "HALO_EMBEDDED_WORKER": False})
    with app.app_context():
        if url.startswith("postgresql"):
            downgrade(revision="base")
        upgrade()
        user = seed(args.customers)
        if url.startswith("postgresql"):
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        cases = {
            "reference: 50 customers by id": lambda: db.session.execute(
                select(Customer).order_by(Customer.id.desc()).limit(50)).all(),
            "list, by last activity, page 1": lambda: listing.customer_page(user),
            "list, by last activity, page 100": lambda: listing.customer_page(user, page=100),
            "list, search 'customer 4242'": lambda: listing.customer_page(user, q="customer 4242"),
            "list, search by whole email": lambda: listing.customer_page(user, q="c4242@gmail.com"),
            "list, trait plan:pro": lambda: listing.customer_page(user, traits=["plan:pro"]),
            "companies, page 1": lambda: companies.company_page(user),
        }
        engine = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(f"| {engine}, {args.customers:,} customers | first run | median of 5 |")
        print("|---|---:|---:|")
        for name, fn in cases.items():
            cold, warm = timed(fn)
            db.session.rollback()
            print(f"| {name} | {cold * 1000:.0f} ms | {warm * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
