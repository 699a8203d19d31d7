"""The benchmark's writers: internal notes posted through the real form, each POST timed.

bench/run.py uses them twice: --writes N, one writer at N notes a second while the pages
are measured, and --writers K, K writers back to back in a writes phase of their own, on
Halo and then on the reference's bare write. Each writer signs in through the login form
on a session of its own, as a teammate's browser does.
"""
import http.cookiejar
import random
import re
import statistics
import sys
import threading
import time
import urllib.parse
import urllib.request

from seed import BENCH_EMAIL, BENCH_PASSWORD

USER_AGENT = "halo-bench"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Writers:
    """Post internal notes to random tickets through the real form, timing each POST.

    count writers, each signed in on its own session and with a thread of its own; each
    posts per_second / count notes a second, or back to back when per_second is 0. base may
    be the reference, whose bare write (POST /note) takes the same form."""

    def __init__(self, base: str, count: int, per_second: float, tickets: int, targets: dict,
                 reference: bool = False):
        self.base, self.tickets, self.reference = base, tickets, reference
        self.interval = count / per_second if per_second else 0.0
        self.skip = {int(path.rsplit("/", 1)[1]) for path in targets.values() if path.startswith("/tickets/")}
        self.latencies: list[float] = []  # seconds, every writer's posts
        self.done = self.failed = 0
        self.errors: dict[str, int] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        cookies = [None] * count if reference else [login(base) for _ in range(count)]
        self.started = time.monotonic()
        self.threads = [threading.Thread(target=self._run, args=(i, cookie), daemon=True)
                        for i, cookie in enumerate(cookies)]
        for thread in self.threads:
            thread.start()

    def _run(self, index: int, cookie: str | None) -> None:
        rng, due = random.Random(7 + index), time.monotonic()
        token = None
        while not self.stopping.is_set():
            ticket_id = rng.randint(1, self.tickets)
            if ticket_id in self.skip:
                continue
            try:
                if token is None and not self.reference:  # the composer's token, once a session
                    token = self._token(cookie, ticket_id)
                took = self._note(cookie, token, ticket_id)
                with self.lock:
                    self.latencies.append(took)
                    self.done += 1
            except OSError as exc:
                with self.lock:
                    self.failed += 1
                    what = f"{getattr(exc, 'code', '')} {type(exc).__name__}".strip()
                    self.errors[what] = self.errors.get(what, 0) + 1
            if self.interval:
                due += self.interval
                self.stopping.wait(max(0.0, due - time.monotonic()))

    def _token(self, cookie: str, ticket_id: int) -> str:
        headers = {"Cookie": cookie, "User-Agent": USER_AGENT, "HX-Request": "true"}
        page = urllib.request.urlopen(urllib.request.Request(
            f"{self.base}/tickets/{ticket_id}/compose/note", headers=headers), timeout=60)
        return TOKEN.search(page.read().decode()).group(1)

    def _note(self, cookie: str | None, token: str | None, ticket_id: int) -> float:
        """One post; returns its latency in seconds."""
        headers = {"User-Agent": USER_AGENT, "HX-Request": "true"}
        fields = {"mode": "note", "body": "Bench note: checking this."}
        if cookie:
            headers["Cookie"] = cookie
            fields["csrf_token"] = token
        path = "/note" if self.reference else f"/tickets/{ticket_id}/messages"
        if self.reference:
            fields["ticket_id"] = ticket_id
        form = urllib.parse.urlencode(fields).encode()
        started = time.perf_counter()
        with urllib.request.urlopen(urllib.request.Request(self.base + path, data=form, headers=headers),
                                    timeout=60) as resp:
            resp.read()
        return time.perf_counter() - started

    def stop(self) -> dict:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=70)
        took = time.monotonic() - self.started
        millis = sorted(x * 1000 for x in self.latencies)
        return {"writers": len(self.threads), "notes": self.done, "failed": self.failed,
                "errors": self.errors, "seconds": took, "per_second": self.done / took if took else 0,
                "p50_ms": percentile(millis, 50), "p99_ms": percentile(millis, 99),
                "max_ms": millis[-1] if millis else None}


def percentile(ordered: list[float], p: float) -> float | None:
    """The nearest-rank percentile of sorted values (None when there are none)."""
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, max(0, -(-len(ordered) * p // 100) - 1))]


def login(base: str, email: str = BENCH_EMAIL) -> str:
    """Sign in through the real form (CSRF token included); returns the Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    html = opener.open(base + "/login").read().decode()
    token = TOKEN.search(html).group(1)
    form = urllib.parse.urlencode({"email": email, "password": BENCH_PASSWORD,
                                   "csrf_token": token}).encode()
    landed = opener.open(base + "/login", data=form)
    if "/login" in landed.url:
        sys.exit("login failed")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


NO_READS = {"rps": 0.0, "p50_ms": 0.0, "p99_ms": 0.0}


def ms(value) -> str:
    return "-" if value is None else f"{value:.1f}"


def writes_table(args, rounds) -> list[str]:
    """The writes phase of each round: the writers' latency and the readers' beside it, on
    Halo and on the reference, and the medians over rounds."""
    readers = args.connections if args.write_readers is None else args.write_readers
    beside = f"while wrk reads the inbox ({readers} connections)" if readers else "alone (no readers)"
    lines = [f"Writes phase: {args.writers} writers posting notes back to back {beside}, "
             f"{args.duration}s (+{args.warmup}s warm-up) on Halo, then the same on the reference "
             "(bare INSERT + commit" + (", bare page)" if readers else ")"),
             "",
             "| round | server | notes/s | write p50 ms | write p99 ms | write max ms | failed "
             "| read req/s | read p50 ms | read p99 ms |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for i, rnd in enumerate(rounds, start=1):
        for name in ("halo", "reference"):
            w, r = rnd["concurrent"][name]["writes"], rnd["concurrent"][name]["reads"] or NO_READS
            errors = ", ".join(f"{k}: {v}" for k, v in w["errors"].items())
            lines.append(f"| {i} | {name} | {w['per_second']:.0f} | {ms(w['p50_ms'])} | {ms(w['p99_ms'])} "
                         f"| {ms(w['max_ms'])} | {w['failed']}{f' ({errors})' if errors else ''} "
                         f"| {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} |")
    if len(rounds) > 1:
        for name in ("halo", "reference"):
            ws = [rnd["concurrent"][name]["writes"] for rnd in rounds]
            rs = [rnd["concurrent"][name]["reads"] or NO_READS for rnd in rounds]
            med = {k: statistics.median(w[k] for w in ws if w[k] is not None) for k in ("per_second", "p50_ms", "p99_ms")}
            lines.append(f"| median | {name} | {med['per_second']:.0f} | {med['p50_ms']:.1f} | {med['p99_ms']:.1f} "
                         f"| | {sum(w['failed'] for w in ws)} | {statistics.median(r['rps'] for r in rs):.0f} "
                         f"| {statistics.median(r['p50_ms'] for r in rs):.1f} "
                         f"| {statistics.median(r['p99_ms'] for r in rs):.1f} |")
    return lines
