"""Benchmark Halo's inbox and ticket pages against a bare Flask + SQLite reference.

    python bench/run.py [--tickets 100000] [--duration 10] [--workers 2] [--threads 4]
                        [--writes 5] [--writers 8] [--database-url URL]
                        [--sign-in EMAIL] [--snoozes-ending 10000]

Seeds bench/out/bench-N.db if it is missing, serves Halo and bench/reference_app.py with
the same gunicorn settings on 127.0.0.1, signs in through the login form (CSRF token
included), and load-tests each page with wrk at 8 connections. Every Halo figure is also
given as a ratio to the reference measured in the same run, because the machine is noisy.
Prints a markdown table and writes it, with the raw JSON, to bench/out/.

Pages keep rendered pieces until what they show changes (halo/services/stamps.py), so a
read-only run measures the steady state of a quiet inbox. --writes N posts N internal notes
per second to random tickets through the real form while Halo's pages are measured (each
one moves the inbox stamp and that ticket's thread), as a busy team would. --sign-in EMAIL
measures the pages as another teammate (password: the seed's): seed.AGENT_EMAIL is an agent
who sees one of the two inboxes, so the inbox visibility rules are in every query; the deep
page is then 90% of the way down that agent's own list.

Every writer times its own posts (the POST of the form, from request to the last byte of
the answer) and the report gives their p50/p99 beside the readers'. --writers K adds a
writes phase to every round: K writers post notes back to back, as fast as Halo answers,
while wrk reads /inbox/open; then the same K writers post to the reference's bare write
(reference_app.py: one INSERT and its commit, on the same database) while wrk reads the
reference page. --database-url serves Halo from another database (PostgreSQL, seeded
with bench/seed.py --url and the same --tickets); the reference then reads the SQLite
seed of the same data and writes to that database.
"""
import argparse
import json
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
OUT = os.path.join(BENCH, "out")
sys.path.insert(0, BENCH)
import connections  # noqa: E402
from seed import BENCH_EMAIL, LONG_THREAD_SUBJECT  # noqa: E402
from writers import USER_AGENT, Writers, login, ms, writes_table  # noqa: E402

AIMS = "inbox >= 500 req/s, p99 < 50 ms, >= 0.25 x reference req/s; ticket >= 250 req/s"


def main(argv=None) -> None:
    args = _parse(argv)
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")
    db_path = os.path.abspath(args.db or os.path.join(OUT, f"bench-{args.tickets}.db"))
    seed_note = _ensure_seeded(db_path, args.tickets, args.reseed)
    if args.only_writes and not args.writers:
        sys.exit("--only-writes needs --writers K")
    if args.database_url and args.snoozes_ending:
        sys.exit("--snoozes-ending works on the SQLite seed only")
    backlog = _end_snoozes(db_path, args.snoozes_ending) if args.snoozes_ending else None
    url = args.database_url or "sqlite:///" + db_path
    if args.database_url:
        seed_note += f"; Halo served from {_shown(url)}"
    targets = _targets(url, args.sign_in)
    halo = Server("halo", "wsgi:app", args, db_path, args.port, url)
    ref = Server("reference", "reference_app:app", args, db_path, args.port + 1, url)
    try:
        halo.start()
        ref.start()
        cookie = login(halo.url, args.sign_in)
        _check_pages(halo.url, cookie, targets)
        if args.only_writes:
            rounds = [{"concurrent": _concurrent_writes(halo, ref, cookie, args, targets)}
                      for _ in range(args.rounds)]
            memory = {"halo": halo.worker_memory(), "reference": ref.worker_memory()}
            report = "\n".join([f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
                                 f"{args.tickets} tickets, gunicorn gthread {args.workers} workers x "
                                 f"{args.threads} threads; {seed_note}", "", *writes_table(args, rounds)])
            print(report)
            _save(args, report, {"args": vars(args), "seed": seed_note, "rounds": rounds, "memory_kb": memory})
            return
        wire = _wire_bytes(halo.url, cookie, targets)
        # Interleaved: the reference runs before and after every page, so each page is
        # compared with what the machine gave a bare app in the minute around it.
        rounds = []
        for _ in range(args.rounds):
            refs, pages = [_wrk(ref.url + "/", None, args, ref)], {}
            writer = Writers(halo.url, 1, args.writes, args.tickets, targets) if args.writes else None
            for name, path in targets.items():
                pages[name] = _wrk(halo.url + path, cookie, args, halo)
                if writer and name == list(targets)[-1]:
                    pages["writes"] = writer.stop()
                refs.append(_wrk(ref.url + "/", None, args, ref))
            rnd = {"pages": pages, "refs": refs}
            if args.writers:
                rnd["concurrent"] = _concurrent_writes(halo, ref, cookie, args, targets)
            rounds.append(rnd)
        results = {"rounds": rounds}
        memory = {"halo": halo.worker_memory(), "reference": ref.worker_memory()}
    finally:
        halo.stop()
        ref.stop()
        if backlog is not None:
            backlog["still_due_after"] = _due_snoozes(db_path)
            from seed import release_sweeper
            release_sweeper(db_path)
    report = _report(args, db_path, seed_note, targets, results, memory) + "\n" + wire
    if backlog is not None:
        report += (f"\nSnooze backlog: {backlog['note']}; still due (not woken) after the run: "
                   f"{backlog['still_due_after']}")
    print(report)
    _save(args, report, {"args": vars(args), "seed": seed_note, "targets": targets,
                         "results": results, "memory_kb": memory, "snooze_backlog": backlog})


def _parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per page")
    parser.add_argument("--warmup", type=int, default=2, help="seconds per page, not counted")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn gthread workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--port", type=int, default=8731, help="Halo's port; reference is +1")
    parser.add_argument("--db", help="SQLite file (default bench/out/bench-N.db)")
    parser.add_argument("--reseed", action="store_true", help="seed even if the file exists")
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat the whole sequence; the report gives medians")
    parser.add_argument("--accept-encoding", default="",
                        help='sent with every Halo request (e.g. "zstd, br, gzip", as Chrome does)')
    parser.add_argument("--writes", type=float, default=0,
                        help="internal notes posted per second while Halo is measured")
    parser.add_argument("--writers", type=int, default=0, metavar="K",
                        help="a writes phase in every round: K writers posting notes as fast as "
                             "they are answered while wrk reads the inbox, Halo then the reference")
    parser.add_argument("--only-writes", action="store_true",
                        help="the writes phase only (with --writers), no page measurements")
    parser.add_argument("--write-readers", type=int, metavar="C",
                        help="wrk connections reading beside the writers (default --connections; "
                             "0: the writers alone)")
    parser.add_argument("--database-url", metavar="URL",
                        help="serve Halo from this database (seeded by bench/seed.py --url with the "
                             "same --tickets); the reference reads the SQLite seed, writes to it")
    parser.add_argument("--snoozes-ending", type=int, default=0, metavar="N",
                        help="many snoozes end at once: N open tickets snoozed until a minute "
                             "before the run, the sweeper held back while pages are measured")
    parser.add_argument("--any-split", action="store_true",
                        help="measure a run even when a worker got none of wrk's connections "
                             "(by default it is started again: bench/connections.py)")
    parser.add_argument("--sign-in", default=BENCH_EMAIL, metavar="EMAIL",
                        help="the teammate whose pages are measured (seed.AGENT_EMAIL: an agent of one inbox)")
    return parser.parse_args(argv)


def _ensure_seeded(db_path: str, tickets: int, reseed: bool) -> str:
    """Seed when needed; returns the seed's own summary line (kept beside the db)."""
    note_path = db_path + ".seed.txt"
    if reseed or not os.path.exists(db_path) or not os.path.exists(note_path):
        done = subprocess.run([sys.executable, os.path.join(BENCH, "seed.py"), "--db", db_path,
                               "--tickets", str(tickets)], capture_output=True, text=True)
        if done.returncode:
            sys.exit("seeding failed:\n" + done.stderr)
        out = done.stdout.strip().splitlines()[-1]
        with open(note_path, "w") as f:
            f.write(out)
        print(out, flush=True)
    with open(note_path) as f:
        return f.read().strip()


def _end_snoozes(db_path: str, n: int) -> dict:
    """seed.end_snoozes in its own process (it loads Halo); returns its summary."""
    done = subprocess.run([sys.executable, os.path.join(BENCH, "seed.py"), "--db", db_path,
                           "--end-snoozes", str(n)], capture_output=True, text=True)
    if done.returncode:
        sys.exit("could not end the snoozes:\n" + done.stderr)
    note = done.stdout.strip().splitlines()[-1]
    print("Snooze backlog: " + note, flush=True)
    return {"n": n, "note": note}


def _due_snoozes(db_path: str) -> int:
    """Snoozes whose end has passed and that nothing has woken (stored as naive UTC text)."""
    now = datetime.now(timezone.utc).replace(tzinfo=None).isoformat(" ")
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT count(*) FROM ticket WHERE status = 'snoozed' AND snoozed_until <= ?",
                            (now,)).fetchone()[0]
    finally:
        conn.close()


def _shown(url: str) -> str:
    """A database URL without its user and password."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rsplit('@', 1)[-1]}"


def _targets(url: str, email: str = BENCH_EMAIL) -> dict[str, str]:
    """The pages to measure: inbox first page, a page 90% of the way down (of what the
    signed-in teammate sees), the long ticket."""
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            long_id = conn.execute(text("SELECT id FROM ticket WHERE subject = :s"),
                                   {"s": LONG_THREAD_SUBJECT}).scalar_one()
            inboxes = _inboxes_seen(conn, email)
            seen = f" AND inbox_id IN ({','.join(map(str, inboxes))})" if inboxes else ""
            n_open = conn.execute(text("SELECT count(*) FROM ticket WHERE bucket = 'open'" + seen)).scalar_one()
            at, ident = conn.execute(text(
                "SELECT last_activity_at, id FROM ticket WHERE bucket = 'open'" + seen +
                " ORDER BY last_activity_at DESC, id DESC LIMIT 1 OFFSET :n"),
                {"n": int(n_open * 0.9)}).one()
    finally:
        engine.dispose()
    at = at if isinstance(at, datetime) else datetime.fromisoformat(at)
    cursor = f"{at.isoformat()}_{ident}"
    return {"inbox /inbox/open": "/inbox/open",
            "inbox, deep keyset page (90% down)": "/inbox/open?" + urllib.parse.urlencode({"after": cursor}),
            f"ticket page (100 messages, #{long_id})": f"/tickets/{long_id}"}


def _inboxes_seen(conn, email: str) -> list[int] | None:
    """The inboxes an agent's teams are given (None: an admin)."""
    from sqlalchemy import text
    role, user_id = conn.execute(text('SELECT role, id FROM "user" WHERE email = :e'), {"e": email}).one()
    if role == "admin":
        return None
    return [i for (i,) in conn.execute(text(
        "SELECT inbox_id FROM team_inbox JOIN team_member USING (team_id) WHERE user_id = :u"),
        {"u": user_id})] or None


class Server:
    """One gunicorn master serving an app with the benchmark's settings."""

    def __init__(self, name, app_spec, args, db_path, port, database_url):
        self.name, self.app_spec, self.args, self.port = name, app_spec, args, port
        self.url = f"http://127.0.0.1:{port}"
        # The reference reads the SQLite file and writes (POST /note) to Halo's database.
        self.env = dict(os.environ, DATABASE_URL=database_url, BENCH_DB=db_path,
                        BENCH_WRITE_URL=database_url, SECRET_KEY="bench-secret")
        self.env.pop("REDIS_URL", None)
        self.env.setdefault("MALLOC_ARENA_MAX", "2")  # as `halo serve` runs gunicorn (halo/cli/run.py)
        self.proc = None

    def start(self) -> None:
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        cmd = [gunicorn, "--bind", f"127.0.0.1:{self.port}", "--worker-class", "gthread",
               "--workers", str(self.args.workers), "--threads", str(self.args.threads),
               "--config", "python:halo.gunicorn_conf", "--pythonpath", BENCH,
               "--log-level", "warning", self.app_spec]
        self.log = open(os.path.join(OUT, f"{self.name}-gunicorn.log"), "w")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90  # a busy machine starts gunicorn slowly
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"{self.name} gunicorn exited; see bench/out/{self.name}-gunicorn.log")
            try:
                urllib.request.urlopen(self.url + ("/login" if self.name == "halo" else "/"), timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        sys.exit(f"{self.name} did not start on {self.url}")

    def worker_memory(self) -> list[dict]:
        """VmRSS and VmHWM (peak) of each worker, in kB, read from /proc."""
        out = []
        for pid in connections.worker_pids(self.proc.pid):
            with open(f"/proc/{pid}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            # RssFile is mostly the mmapped database (page cache shared with every process);
            # RssAnon is what the worker itself holds.
            out.append({"pid": pid, "rss_kb": int(fields["VmRSS"].split()[0]),
                        "anon_kb": int(fields["RssAnon"].split()[0]),
                        "peak_kb": int(fields["VmHWM"].split()[0]),
                        "db_kb": _mapped_kb(pid, self.env["BENCH_DB"])})
        return out

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def _mapped_kb(pid: int, path: str) -> int:
    """RSS of one file's mappings in a process (the SQLite database SQLite mmapped), in kB."""
    total, inside = 0, False
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = line.split()
            if head and not head[0].endswith(":"):  # a mapping's first line: range perms ... path
                inside = len(head) > 5 and head[5] == path
            elif inside and head[0] == "Rss:":
                total += int(head[1])
    return total


def _concurrent_writes(halo, ref, cookie, args, targets) -> dict:
    """K writers as fast as they are answered, beside wrk reading the inbox: on Halo, then
    on the reference (its bare write, its page), each for --duration seconds."""
    out = {}
    readers = args.connections if args.write_readers is None else args.write_readers
    for name, server, page, reference in (("halo", halo, "/inbox/open", False),
                                          ("reference", ref, "/", True)):
        writers = Writers(server.url, args.writers, 0, args.tickets, targets, reference=reference)
        if readers:
            reads = _wrk(server.url + page, None if reference else cookie,
                         argparse.Namespace(**{**vars(args), "connections": readers}), server)
        else:
            time.sleep(args.warmup + args.duration)  # the writers alone, as long as a page
            reads = None
        out[name] = {"writes": writers.stop(), "reads": reads}
    return out


def _check_pages(base: str, cookie: str, targets: dict) -> None:
    """Each page answers 200 with what it should show, so wrk measures real pages."""
    expect = {"inbox": 'id="view-counts"', "ticket": 'id="msg-'}
    for name, path in targets.items():
        req = urllib.request.Request(base + path, headers={"Cookie": cookie, "User-Agent": USER_AGENT})
        with urllib.request.urlopen(req) as resp:
            body = resp.read().decode()
            if resp.status != 200 or expect[name.split()[0].rstrip(",")] not in body:
                sys.exit(f"{path} did not render as expected")
        if name.startswith("ticket") and body.count('id="msg-') < 100:
            sys.exit(f"{path} shows fewer than 100 messages")


def _wire_bytes(base: str, cookie: str, targets: dict) -> str:
    """Bytes a browser downloads for each page and its static files, plain and compressed
    (what a Chrome sends: zstd, br, gzip)."""
    def fetch(url, encoding):
        headers = {"Cookie": cookie, "User-Agent": USER_AGENT, "Accept-Encoding": encoding}
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as resp:
            return resp.read(), resp.headers.get("Content-Encoding") or "none"
    parts = []
    for name in (list(targets)[0], list(targets)[-1]):  # the inbox and the ticket page
        path = targets[name]
        plain, _ = fetch(base + path, "identity")
        packed, how = fetch(base + path, "zstd, br, gzip")
        statics = sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', plain.decode())))
        raw = sum(len(fetch(base + s, "identity")[0]) for s in statics)
        small = sum(len(fetch(base + s, "zstd, br, gzip")[0]) for s in statics)
        parts.append(f"{name}: page {len(plain) / 1024:.1f} KB -> {len(packed) / 1024:.1f} KB ({how}), "
                     f"{len(statics)} static files {raw / 1024:.1f} KB -> {small / 1024:.1f} KB")
    return "Bytes on the wire: " + "; ".join(parts)


def _wrk(url: str, cookie: str | None, args, server: "Server | None" = None) -> dict:
    """Warm up, then measure one URL; figures in ms and requests per second. With the server,
    a run that left a worker without connections is started again (bench/connections.py);
    the split of the run measured is in the result."""
    headers = ["-H", f"User-Agent: {USER_AGENT}"] + (["-H", f"Cookie: {cookie}"] if cookie else [])
    if cookie and args.accept_encoding:  # Halo only: the bare reference compresses nothing
        headers += ["-H", f"Accept-Encoding: {args.accept_encoding}"]
    base = ["wrk", "-t", "2", "-c", str(args.connections), "--latency",
            "-s", os.path.join(BENCH, "wrk.lua"), *headers]
    if args.warmup:
        subprocess.run(base + ["-d", f"{args.warmup}s", url], check=True, capture_output=True)
    attempts = connections.ATTEMPTS if server and not args.any_split else 1
    for attempt in range(attempts):
        proc = subprocess.Popen(base + ["-d", f"{args.duration}s", url], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        split = connections.split(server.proc.pid, server.port, args.connections) if server else []
        if connections.lopsided(split) and attempt < attempts - 1:  # a worker is left idle
            proc.kill()
            proc.communicate()
            continue
        out, err = proc.communicate()
        if proc.returncode:
            raise subprocess.CalledProcessError(proc.returncode, proc.args, out, err)
        break
    raw = json.loads(out.split("WRK_JSON", 1)[1].splitlines()[0])
    if raw["not_200"] or raw["socket_errors"]:
        print(f"warning: {url}: {raw['not_200']} non-200 responses, "
              f"{raw['socket_errors']} socket errors", file=sys.stderr)
    return {"rps": raw["requests"] / (raw["duration_us"] / 1e6), "p50_ms": raw["p50_us"] / 1000,
            "p99_ms": raw["p99_us"] / 1000, "max_ms": raw["max_us"] / 1000,
            "requests": raw["requests"], "not_200": raw["not_200"],
            "socket_errors": raw["socket_errors"], "split": split, "restarts": attempt}


def _report(args, db_path, seed_note, targets, results, memory) -> str:
    rounds = results["rounds"]
    lines = [
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"{args.tickets} tickets, gunicorn gthread {args.workers} workers x {args.threads} threads, "
        f"wrk {args.connections} connections, {args.duration}s per page, {len(rounds)} round(s), "
        f"signed in as {args.sign_in}; "
        "medians over rounds, each page against the reference runs just before and after it",
        "",
        "| page | req/s | p50 ms | p99 ms | ref req/s | ref p50 | ref p99 | req/s ÷ ref | p50 ÷ ref | p99 ÷ ref |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    summary = {}
    for i, name in enumerate(targets):
        per = []
        for rnd in rounds:
            page, around = rnd["pages"][name], rnd["refs"][i:i + 2]
            ref = {k: (around[0][k] + around[1][k]) / 2 for k in ("rps", "p50_ms", "p99_ms")}
            per.append((page, ref))
        med = {k: statistics.median(p[k] for p, _ in per) for k in ("rps", "p50_ms", "p99_ms")}
        ref = {k: statistics.median(r[k] for _, r in per) for k in ("rps", "p50_ms", "p99_ms")}
        ratio = {k: statistics.median(p[k] / r[k] for p, r in per) for k in ("rps", "p50_ms", "p99_ms")}
        summary[name] = {**med, "ratio": ratio["rps"]}
        lines.append(
            f"| {name} | {med['rps']:.0f} | {med['p50_ms']:.1f} | {med['p99_ms']:.1f} | {ref['rps']:.0f} "
            f"| {ref['p50_ms']:.1f} | {ref['p99_ms']:.1f} | {ratio['rps']:.2f} "
            f"| {ratio['p50_ms']:.1f} | {ratio['p99_ms']:.1f} |")
    if len(rounds) > 1:
        lines += ["", "Each round (req/s, ratio to its reference): " + "; ".join(
            f"{name.split(' (')[0]}: " + ", ".join(
                f"{rnd['pages'][name]['rps']:.0f} ({rnd['pages'][name]['rps'] / ((rnd['refs'][i]['rps'] + rnd['refs'][i + 1]['rps']) / 2):.2f})"
                for rnd in rounds) for i, name in enumerate(targets))]
    halo_mem = ", ".join(f"{m['rss_kb'] / 1024:.0f} MB (anonymous {m['anon_kb'] / 1024:.0f} MB,"
                         f" database mmap {m['db_kb'] / 1024:.0f} MB, peak RSS {m['peak_kb'] / 1024:.0f} MB)"
                         for m in memory["halo"])
    ref_mem = ", ".join(f"{m['rss_kb'] / 1024:.0f} MB (anonymous {m['anon_kb'] / 1024:.0f} MB,"
                        f" database mmap {m['db_kb'] / 1024:.0f} MB)" for m in memory["reference"])
    inbox, ticket = (summary[n] for n in list(targets)[::2])
    writes = [rnd["pages"]["writes"] for rnd in rounds if "writes" in rnd["pages"]]
    lines += [
        "",
        f"Worker RSS after the run: Halo {halo_mem}; reference {ref_mem}.",
        _splits(rounds, targets),
        f"Seed: {seed_note}",
        (f"Background writes while Halo was measured: {args.writes:g} notes/s requested, "
         f"{sum(w['notes'] for w in writes)} posted, {sum(w['failed'] for w in writes)} failed; "
         "the writer's own latency per round (p50/p99/max ms): "
         + ", ".join(f"{ms(w['p50_ms'])}/{ms(w['p99_ms'])}/{ms(w['max_ms'])}" for w in writes) + "."
         if writes else "Background writes: none (read-only steady state)."),
        f"Aims ({AIMS}): inbox {inbox['rps']:.0f} req/s {_ok(inbox['rps'] >= 500)}, "
        f"p99 {inbox['p99_ms']:.1f} ms {_ok(inbox['p99_ms'] < 50)}, "
        f"{inbox['ratio']:.2f} x ref {_ok(inbox['ratio'] >= 0.25)}; "
        f"ticket {ticket['rps']:.0f} req/s {_ok(ticket['rps'] >= 250)}",
    ]
    if any("concurrent" in rnd for rnd in rounds):
        lines += ["", *writes_table(args, rounds)]
    return "\n".join(lines)


def _splits(rounds, targets) -> str:
    """wrk's connections per worker in each measured run, and how many runs were started
    again because a worker got none."""
    def shares(run):
        return "/".join(str(n) for n in run["split"]) or "?"
    runs = [(name, rnd["pages"][name]) for rnd in rounds for name in targets]
    refs = [run for rnd in rounds for run in rnd["refs"]]
    restarted = sum(run["restarts"] for _, run in runs) + sum(run["restarts"] for run in refs)
    return ("Connections per worker, each measured run: Halo "
            + ", ".join(f"{name.split(' (')[0]} {shares(run)}" for name, run in runs)
            + "; reference " + ", ".join(shares(run) for run in refs)
            + f". Runs started again because a worker got no connection: {restarted}.")


def _ok(passed: bool) -> str:
    return "(met)" if passed else "(MISSED)"


def _save(args, report: str, data: dict) -> None:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    base = os.path.join(OUT, f"core-{args.tickets}-{stamp}")
    with open(base + ".md", "w") as f:
        f.write(report + "\n")
    with open(base + ".json", "w") as f:
        json.dump(data, f, indent=2)


if __name__ == "__main__":
    main()
