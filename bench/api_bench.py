"""Benchmark the API's ticket list against a bare Flask + SQLite JSON reference.

    python bench/api_bench.py [--tickets 100000] [--duration 10] [--workers 2] [--threads 4]

The same seeded database, gunicorn settings, wrk script and interleaving as bench/run.py
(whose parts it uses): the reference's /api answers 25 rows as JSON from the same file,
and runs before and after every API page, so each figure is also a ratio to what the
machine gave a bare app in the minute around it. A read token is made with
`flask halo api-token`; the rate limit is raised for the run. Prints a markdown table and
writes it to bench/out/.
"""
import os
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)
import run  # noqa: E402
from seed import BENCH_EMAIL  # noqa: E402


def _token(db_path: str) -> str:
    env = dict(os.environ, DATABASE_URL="sqlite:///" + db_path, SECRET_KEY="bench-secret")
    env.pop("REDIS_URL", None)
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    done = subprocess.run([flask, "--app", "wsgi", "halo", "api-token", "--email", BENCH_EMAIL,
                           "--name", "bench", "--scope", "read"], cwd=run.ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode:
        sys.exit("could not make a token:\n" + done.stderr)
    return done.stdout.strip().splitlines()[-1]


def _targets(db_path: str) -> dict[str, str]:
    """The first page of the open view, a filtered page, and a page 90% of the way down."""
    conn = sqlite3.connect(db_path)
    try:
        n_open = conn.execute("SELECT sum(n) FROM ticket_counter"
                              " WHERE status IN ('open', 'priority', 'in_progress')").fetchone()[0]
        at, ident = conn.execute(
            "SELECT last_activity_at, id FROM ticket WHERE bucket = 'open'"
            " ORDER BY last_activity_at DESC, id DESC LIMIT 1 OFFSET ?", (int(n_open * 0.9),)).fetchone()
    finally:
        conn.close()
    cursor = f"{datetime.fromisoformat(at).isoformat()}_{ident}"
    return {"GET /api/v1/tickets?view=open": "/api/v1/tickets?view=open",
            "GET /api/v1/tickets?status=priority&channel=email": "/api/v1/tickets?status=priority&channel=email",
            "GET /api/v1/tickets, deep keyset page (90% down)":
                "/api/v1/tickets?" + urllib.parse.urlencode({"view": "open", "cursor": cursor})}


def main(argv=None) -> None:
    args = run._parse(argv)
    db_path = os.path.abspath(args.db or os.path.join(run.OUT, f"bench-{args.tickets}.db"))
    seed_note = run._ensure_seeded(db_path, args.tickets, args.reseed)
    secret = _token(db_path)
    targets = _targets(db_path)
    halo = run.Server("halo", "wsgi:app", args, db_path, args.port)
    halo.env["HALO_API_RATE_LIMIT"] = "100000000/minute"  # the limit is not what is measured
    ref = run.Server("reference", "reference_app:app", args, db_path, args.port + 1)
    auth = f"Bearer {secret}"
    try:
        _start(halo, "/login")
        _start(ref, "/")
        for path in targets.values():
            req = urllib.request.Request(halo.url + path, headers={"Authorization": auth})
            with urllib.request.urlopen(req) as resp:
                assert resp.status == 200 and b'"data"' in resp.read(), path
        rounds = []
        for _ in range(args.rounds):
            refs, pages = [_wrk(ref.url + "/api", None, args)], {}
            for name, path in targets.items():
                pages[name] = _wrk(halo.url + path, auth, args)
                refs.append(_wrk(ref.url + "/api", None, args))
            rounds.append({"pages": pages, "refs": refs})
    finally:
        halo.stop()
        ref.stop()
    report = _report(args, seed_note, targets, rounds)
    print(report)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    with open(os.path.join(run.OUT, f"api-{args.tickets}-{stamp}.md"), "w") as f:
        f.write(report + "\n")


def _start(server, probe: str, wait: float = 180) -> None:
    """bench/run.py's Server.start, with a longer wait: on a loaded machine the first
    request (the app and its models built) can take over run.py's 30 s."""
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    cmd = [gunicorn, "--bind", f"127.0.0.1:{server.port}", "--worker-class", "gthread",
           "--workers", str(server.args.workers), "--threads", str(server.args.threads),
           "--config", "python:halo.gunicorn_conf", "--pythonpath", BENCH,
           "--log-level", "warning", server.app_spec]
    server.log = open(os.path.join(run.OUT, f"{server.name}-gunicorn.log"), "w")
    server.proc = subprocess.Popen(cmd, cwd=run.ROOT, env=server.env, stdout=server.log,
                                   stderr=subprocess.STDOUT)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            sys.exit(f"{server.name} exited; see bench/out/{server.name}-gunicorn.log")
        try:
            urllib.request.urlopen(server.url + probe, timeout=10)
            return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"{server.name} did not start on {server.url}")


def _wrk(url: str, auth: str | None, args) -> dict:
    """bench/run.py's wrk, with the bearer token instead of a session cookie."""
    headers = ["-H", f"User-Agent: {run.USER_AGENT}"] + (["-H", f"Authorization: {auth}"] if auth else [])
    base = ["wrk", "-t", "2", "-c", str(args.connections), "--latency",
            "-s", os.path.join(BENCH, "wrk.lua"), *headers]
    if args.warmup:
        subprocess.run(base + ["-d", f"{args.warmup}s", url], check=True, capture_output=True)
    out = subprocess.run(base + ["-d", f"{args.duration}s", url], check=True,
                         capture_output=True, text=True).stdout
    raw = run.json.loads(out.split("WRK_JSON", 1)[1].splitlines()[0])
    if raw["not_200"] or raw["socket_errors"]:
        print(f"warning: {url}: {raw['not_200']} non-200, {raw['socket_errors']} socket errors",
              file=sys.stderr)
    return {"rps": raw["requests"] / (raw["duration_us"] / 1e6), "p50_ms": raw["p50_us"] / 1000,
            "p99_ms": raw["p99_us"] / 1000, "not_200": raw["not_200"]}


def _report(args, seed_note, targets, rounds) -> str:
    lines = [
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"{args.tickets} tickets, gunicorn gthread {args.workers} workers x {args.threads} threads, "
        f"wrk {args.connections} connections, {args.duration}s per page, {len(rounds)} round(s); "
        "each API page against the reference's JSON (25 rows, same file) just before and after it",
        "",
        "| endpoint | req/s | p50 ms | p99 ms | ref req/s | ref p50 | ref p99 | req/s ÷ ref | p50 ÷ ref | non-200 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for i, name in enumerate(targets):
        per = []
        for rnd in rounds:
            around = rnd["refs"][i:i + 2]
            ref = {k: (around[0][k] + around[1][k]) / 2 for k in ("rps", "p50_ms", "p99_ms")}
            per.append((rnd["pages"][name], ref))
        med = {k: statistics.median(p[k] for p, _ in per) for k in ("rps", "p50_ms", "p99_ms")}
        ref = {k: statistics.median(r[k] for _, r in per) for k in ("rps", "p50_ms", "p99_ms")}
        ratio = {k: statistics.median(p[k] / r[k] for p, r in per) for k in ("rps", "p50_ms")}
        bad = sum(p["not_200"] for p, _ in per)
        lines.append(f"| {name} | {med['rps']:.0f} | {med['p50_ms']:.1f} | {med['p99_ms']:.1f} "
                     f"| {ref['rps']:.0f} | {ref['p50_ms']:.1f} | {ref['p99_ms']:.1f} "
                     f"| {ratio['rps']:.2f} | {ratio['p50_ms']:.1f} | {bad} |")
    lines += ["", f"Seed: {seed_note}"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
