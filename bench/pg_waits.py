"""What PostgreSQL backends of one database are doing while a benchmark runs.

    python bench/pg_waits.py --url postgresql://halo@127.0.0.1:55400/halo_bench [--seconds 8]

Waits until a note is being inserted (run it beside `run.py --writers K`), lets 2 s pass,
then reads pg_stat_activity every 5 ms for --seconds and prints, per state, wait event and
statement, how many backends were in it on average: "active/Lock" is a backend waiting
for a row lock (on a shared row, the change stamps or the counters), "idle in
transaction/ClientRead" one waiting for its Python thread, "active/CPU" one working.
"""
import argparse
import collections
import time

import psycopg

QUERY = """SELECT state, coalesce(wait_event_type, 'CPU'), coalesce(wait_event, '-'), left(query, 70)
           FROM pg_stat_activity
           WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--seconds", type=float, default=8)
    args = parser.parse_args()
    with psycopg.connect(args.url, autocommit=True) as conn:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'INSERT INTO message%%'"
                " AND pid <> pg_backend_pid()").fetchone()[0]:
            time.sleep(0.05)
        time.sleep(2)
        states, busy, samples = collections.Counter(), collections.Counter(), 0
        end = time.monotonic() + args.seconds
        while time.monotonic() < end:
            samples += 1
            for state, wait_type, wait, query in conn.execute(QUERY):
                states[state] += 1
                if state != "idle":
                    busy[(state, wait_type, wait, " ".join(query.split()))] += 1
            time.sleep(0.005)
    print(f"{samples} samples; backends by state:", {k: round(v / samples, 2) for k, v in states.items()})
    for key, n in busy.most_common(25):
        print(f"{n / samples:6.3f}", *key)


if __name__ == "__main__":
    main()
