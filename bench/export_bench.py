"""Benchmark the CSV exports at 100,000 tickets beside a bare sqlite3 + csv reference.

    python bench/export_bench.py [--tickets 100000] [--db FILE] [--reseed] [--rounds N]

In-process, no server: the seeded database of bench/run.py (seeded when missing), Halo's
app signed in through the login form, each export read chunk by chunk from the test
client as a server would send it. Per case, the best of --rounds for wall time, CPU time
and rows/s; then one more pass for memory: the peak of Python allocations during the
export (tracemalloc, a pass of its own since tracing slows everything) and the peak
growth of the process's anonymous memory (RssAnon, sampled while the export runs; not
VmRSS, which counts the mmapped database file), for the first export of a fresh process
and for one more. Each case runs in a process of
its own, so one case's memory is not the next one's.

The references, in the same run on the same file: one sqlite3 SELECT of the same columns
in the same order (customer, assignee and inbox joined, tags by a subquery) written
through csv.writer as the cursor yields rows; and the same rows fetched whole and written
into one string, which is what an export that is not streamed holds.
"""
import csv
import io
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import tracemalloc

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(BENCH))
sys.path.insert(0, BENCH)
import run  # noqa: E402
from seed import AGENT_EMAIL, BENCH_EMAIL, BENCH_PASSWORD  # noqa: E402

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
REFERENCE_SQL = """
SELECT t.id, t.subject, t.status, t.channel, i.name, c.name, c.email, u.name,
       (SELECT group_concat(g.name, ', ') FROM ticket_tag tt JOIN tag g ON g.id = tt.tag_id
        WHERE tt.ticket_id = t.id),
       t.created_at, t.last_activity_at, t.snoozed_until, t.preview
FROM ticket t JOIN customer c ON c.id = t.customer_id
LEFT JOIN user u ON u.id = t.assignee_id LEFT JOIN inbox i ON i.id = t.inbox_id
WHERE t.bucket != 'merged' ORDER BY t.last_activity_at DESC, t.id DESC
"""


def _status(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


class AnonPeak:
    """The highest RssAnon seen while it runs, sampled every 2 ms by a thread: what the
    process itself holds. VmHWM would count the SQLite file's mmapped pages (Halo maps up
    to 256 MB), which are the kernel's page cache, shared, and not the export's."""

    def __enter__(self):
        self.before = self.peak = _status("RssAnon")
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._done.wait(0.002):
            self.peak = max(self.peak, _status("RssAnon"))

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, _status("RssAnon"))

    @property
    def growth(self) -> int:
        return self.peak - self.before


def _measure(work, rounds: int) -> dict:
    """work() -> (rows, bytes): the best of rounds, then one pass each for memory."""
    best_wall = best_cpu = float("inf")
    for _ in range(rounds):
        started, cpu = time.perf_counter(), time.process_time()
        rows, size = work()
        best_wall = min(best_wall, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    with AnonPeak() as rss:
        work()
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"rows": rows, "bytes": size, "wall": best_wall, "cpu": best_cpu,
            "rows_s": rows / best_wall, "py_peak": peak, "rss": rss.growth}


def _signed_in(app, email):
    client = app.test_client()
    token = TOKEN.search(client.get("/login").text).group(1)
    client.post("/login", data={"email": email, "password": BENCH_PASSWORD, "csrf_token": token})
    return client


def _export(client, path):
    def work():
        response = client.get(path)
        assert response.status_code == 200 and response.is_streamed, (path, response.status_code)
        size = lines = 0
        for chunk in response.response:  # as a server sends it: chunk by chunk, nothing kept
            size += len(chunk)
            lines += chunk.count(b"\r\n")
        response.close()
        return lines - 1, size
    return work


def _reference(db_path, whole: bool):
    def work():
        conn = sqlite3.connect(db_path)
        try:
            cursor = conn.execute(REFERENCE_SQL)
            out = io.StringIO()
            writer = csv.writer(out)
            if whole:
                rows = cursor.fetchall()
                writer.writerows(rows)
                return len(rows), len(out.getvalue().encode())
            n = size = 0
            for row in cursor:
                writer.writerow(row)
                n += 1
                if n % 1000 == 0:  # handed on a batch at a time, as Halo does
                    size += len(out.getvalue().encode())
                    out.seek(0)
                    out.truncate()
            return n, size + len(out.getvalue().encode())
        finally:
            conn.close()
    return work


# (label, who exports: None for the references, the path or the reference's kind)
CASES = [
    ("reference: SELECT -> csv.writer, streamed", None, "streamed"),
    ("reference: SELECT, fetchall -> one string", None, "whole"),
    ("Halo /inbox/all/export.csv (admin)", BENCH_EMAIL, "/inbox/all/export.csv"),
    ("Halo /inbox/all/export.csv (agent, one inbox)", AGENT_EMAIL, "/inbox/all/export.csv"),
    ("Halo /inbox/open/export.csv?channel=email (admin)", BENCH_EMAIL, "/inbox/open/export.csv?channel=email"),
    ("Halo /settings/export/customers.csv (admin)", BENCH_EMAIL, "/settings/export/customers.csv"),
]


def _work(db_path: str, who: str | None, what: str):
    if who is None:
        return _reference(db_path, whole=what == "whole")
    from halo import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + db_path, "SECRET_KEY": "bench-secret"})
    return _export(_signed_in(app, who), what)


def _one_case(db_path: str, index: int, rounds: int) -> None:
    """In a fresh process: one warm-up, then the case measured; prints one table line."""
    name, who, what = CASES[index]
    work = _work(db_path, who, what)
    with AnonPeak() as first:
        work()  # the first export of a fresh process: its caches are filled here
    m = _measure(work, rounds)
    print(f"| {name} | {m['rows']:,} | {m['bytes'] / 1e6:.1f} | {m['wall']:.2f} | {m['cpu']:.2f} | "
          f"{m['rows_s']:,.0f} | {m['py_peak'] / 1e6:.1f} | {first.growth / 1e6:.1f} / {m['rss'] / 1e6:.1f} |", flush=True)


def main(argv=None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    case = None
    if "--case" in argv:  # a child run: one case in a process of its own, so RSS is its own
        at = argv.index("--case")
        case = int(argv[at + 1])
        del argv[at:at + 2]
    args = run._parse(argv)
    db_path = os.path.abspath(args.db or os.path.join(run.OUT, f"bench-{args.tickets}.db"))
    if case is not None:
        _one_case(db_path, case, args.rounds)
        return
    seed_note = run._ensure_seeded(db_path, args.tickets, args.reseed)
    lines = [f"Seed: {seed_note}", "",
             "| export | rows | MB | wall s | CPU s | rows/s | Python peak MB | RssAnon peak growth MB, first / again |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for index in [*range(len(CASES)), 0]:  # the streamed reference again at the end
        done = subprocess.run([sys.executable, os.path.abspath(__file__), "--case", str(index), *argv],
                              capture_output=True, text=True)
        if done.returncode:
            sys.exit(done.stderr)
        line = done.stdout.strip().splitlines()[-1]
        print(line, flush=True)
        lines.append(line)
    os.makedirs(run.OUT, exist_ok=True)
    out = os.path.join(run.OUT, f"export-{args.tickets}-{time.strftime('%Y%m%d-%H%M%S')}.md")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
